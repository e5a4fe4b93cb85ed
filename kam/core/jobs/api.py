"""The jobs API (issue 8 §1): ``GET /api/v1/jobs/`` (your jobs; every job for superusers and
holders of ``jobs.view_all``), ``GET /api/v1/jobs/{id}/`` (status, progress, result or error,
times, download URL), ``POST /api/v1/jobs/{id}/cancel/``, ``GET /api/v1/jobs/{id}/file/``.
Someone else's job answers 404 like a missing one."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from . import selectors, services
from .models import Job, JobStatus

_R400 = OpenApiResponse(description="The job has already finished.")
_R403 = OpenApiResponse(description="Only the user who started the job may cancel it.")
_R404 = OpenApiResponse(description="No such job among the jobs you may see.")


class JobSerializer(serializers.ModelSerializer):
    """A background job: what it is, who started it, how far it got and how it ended."""

    kind_label = serializers.SerializerMethodField(help_text="The job kind's name in your language.")
    actor = serializers.SerializerMethodField(help_text="The id of the user who started it; null: the scheduler.")
    status = serializers.ChoiceField(choices=JobStatus.choices, read_only=True)
    done = serializers.SerializerMethodField(help_text="Items done so far.")
    total = serializers.SerializerMethodField(help_text="Items in all; null while unknown.")
    percent = serializers.SerializerMethodField(help_text="Whole percent done; null while the total is unknown.")
    download_url = serializers.SerializerMethodField(help_text="Where to download the job's file; null: none.")
    url = serializers.SerializerMethodField(help_text="This job in the API.")

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "kind_label",
            "title",
            "actor",
            "status",
            "done",
            "total",
            "percent",
            "result",
            "error",
            "cancel_requested",
            "created_at",
            "started_at",
            "finished_at",
            "download_url",
            "url",
        ]
        read_only_fields = fields

    def _progress(self, job: Job) -> services.Progress:
        cache = self.context.setdefault("_progress", {})
        if job.pk not in cache:
            cache[job.pk] = services.live_progress(job)
        return cache[job.pk]

    def get_kind_label(self, job: Job) -> str:
        return job.kind_label

    @extend_schema_field(OpenApiTypes.INT)
    def get_actor(self, job: Job) -> int | None:
        return job.actor_id

    def get_done(self, job: Job) -> int:
        return self._progress(job).done

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_total(self, job: Job) -> int | None:
        return self._progress(job).total

    @extend_schema_field(serializers.IntegerField(allow_null=True, min_value=0, max_value=100))
    def get_percent(self, job: Job) -> int | None:
        progress = self._progress(job)
        if job.status == JobStatus.RUNNING and progress.total:
            return max(0, min(100, progress.done * 100 // progress.total))
        return job.percent

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, job: Job) -> str | None:
        if not job.file:
            return None
        return self._absolute(reverse("api-job-file", args=[job.pk]))

    def get_url(self, job: Job) -> str:
        return self._absolute(reverse("api-job-detail", args=[job.pk]))

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


@extend_schema(tags=["jobs"])
@extend_schema_view(
    list=extend_schema(
        summary="List your background jobs",
        description="The jobs you started, newest first (administrators holding `jobs.view_all` see everyone's).",
    ),
    retrieve=extend_schema(
        summary="Get a job's status and progress",
        description=(
            "Poll this while `status` is `queued` or `running`. When it has `succeeded`, `result` holds "
            "what the job reports (an import's counts and errors, an export's row count) and "
            "`download_url` its file, if any; when it has `failed`, `error` says why."
        ),
        responses={200: JobSerializer, 404: _R404},
    ),
)
class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = JobSerializer
    queryset = Job.objects.none()
    filter_backends = [OrderingFilter]
    ordering_fields = ["created_at", "finished_at", "status"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.jobs_visible_to(self.request.user)

    @extend_schema(
        summary="Cancel a job",
        description=(
            "A queued job is cancelled at once; a running one stops at its next step (its changes are "
            "rolled back when it writes in one transaction, as imports do). Answers the job."
        ),
        request=None,
        responses={200: JobSerializer, 400: _R400, 403: _R403, 404: _R404},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        job = services.job_cancel(actor=request.user, job=self.get_object())
        return Response(self.get_serializer(job).data)

    @extend_schema(
        summary="Download a job's file",
        description="The file the job produced (an export, an import's error report).",
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such job, or it has no file."),
        },
    )
    @action(detail=True, methods=["get"])
    def file(self, request, pk=None):
        job = self.get_object()
        if not job.file:
            raise Http404(_("This job has no file."))
        try:
            handle = job.file.open("rb")
        except FileNotFoundError:
            raise Http404(_("This job's file is no longer there.")) from None
        return FileResponse(handle, as_attachment=True, filename=job.file_name or "download")
