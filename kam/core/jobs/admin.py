"""Admin pages of the jobs app: scheduled jobs are configuration (editable: cron, time zone,
enabled, parameters; validated by the model's ``clean``), jobs and scheduled runs are records
(read-only)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.core.admin import ReadOnlyAdminMixin
from kam.core.errors import message_text
from kam.core.registry import registry

from .models import Job, ScheduledJob, ScheduledRun
from .scheduler import next_due


class ScheduledJobForm(forms.ModelForm):
    class Meta:
        model = ScheduledJob
        fields = ["name", "kind", "task", "params", "cron", "timezone", "enabled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(k.key, f"{k.label} ({k.key})") for k in registry["job_kinds"]]
        self.fields["kind"].widget = forms.Select(choices=choices)
        self.fields["cron"].help_text = _("minute hour day month weekday, e.g. “30 3 * * *” = every day at 03:30.")


class ScheduledRunInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ScheduledRun
    fields = ["due_at", "status", "job", "started_at", "finished_at", "error"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    ordering = ["-due_at"]
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("job")


@admin.register(ScheduledJob)
class ScheduledJobAdmin(admin.ModelAdmin):
    form = ScheduledJobForm
    list_display = ["name", "kind", "task", "cron", "timezone", "enabled", "last_due_at", "next_due_at"]
    list_filter = ["enabled"]
    search_fields = ["name", "kind", "task"]
    readonly_fields = ["last_due_at", "created_at"]
    inlines = [ScheduledRunInline]
    actions = ["run_now"]

    @admin.display(description=_("next due time"))
    def next_due_at(self, obj: ScheduledJob):
        return next_due(obj, timezone.now()) if obj.enabled else None

    @admin.action(description=_("Run the selected job kinds now"))
    def run_now(self, request, queryset):
        from .services import job_start

        started = 0
        for schedule in queryset.exclude(kind=""):
            try:
                job_start(actor=request.user, kind=schedule.kind, params=schedule.params)
            except ValidationError as exc:
                self.message_user(request, message_text(exc), messages.ERROR)
                continue
            started += 1
        self.message_user(request, _("{} jobs started; follow them under My jobs.").format(started))


@admin.register(Job)
class JobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "title", "kind", "actor", "status", "done", "total", "created_at", "finished_at"]
    list_filter = ["status", "kind"]
    search_fields = ["title", "kind", "actor__username"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"


@admin.register(ScheduledRun)
class ScheduledRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["scheduled", "due_at", "status", "job", "finished_at"]
    list_filter = ["status", "scheduled"]
    list_select_related = ["scheduled", "job"]
