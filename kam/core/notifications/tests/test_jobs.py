"""First producer (issue 8 §5): a job that ends notifies the user who started it — any kind,
succeeded or failed, with its counts and a link; a cancelled job and a job nobody started
notify nobody."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from kam.core.jobs.models import Job
from kam.core.jobs.services import job_start
from kam.core.notifications.jobs import FAILED, FINISHED, job_draft
from kam.core.notifications.models import Notification
from kam.core.registry import JobKind, registry

pytestmark = pytest.mark.django_db


def _start(user, key, run, django_capture_on_commit_callbacks, language="zh-hans", label="客户导入"):
    with registry.temporary("job_kinds", JobKind(key, label, run)):
        with translation.override(language), django_capture_on_commit_callbacks(execute=True):
            return job_start(actor=user, kind=key, title="客户档案 2026-11.xlsx")


def test_a_finished_import_notifies_its_starter(personas, django_capture_on_commit_callbacks):
    job = _start(
        personas.sp1,
        "t.import",
        lambda r: {"created": 12, "updated": 3, "unchanged": 40, "errors": []},
        django_capture_on_commit_callbacks,
    )
    note = Notification.objects.get()
    assert (note.recipient, note.kind) == (personas.sp1, FINISHED)
    assert note.title == "你的客户导入任务已完成：客户档案 2026-11.xlsx"
    assert note.body == "新建 12，更新 3，未变 40，错误 0"
    assert note.data["job"] == job.pk
    assert note.link == reverse("jobs:detail", args=[job.pk])
    assert note.read_at is None


def test_a_failed_job_notifies_with_its_error_in_the_starters_language(personas, django_capture_on_commit_callbacks):
    def run(r):
        raise ValidationError({"file": ["The sheet has no headings."]})

    _start(personas.sp2, "t.fail", run, django_capture_on_commit_callbacks, language="en", label="customer import")
    note = Notification.objects.get()
    assert (note.recipient, note.kind) == (personas.sp2, FAILED)
    assert note.title == "Your customer import job failed: 客户档案 2026-11.xlsx"
    assert "The sheet has no headings." in note.body


def test_cancelled_and_unattributed_jobs_notify_nobody(personas):
    assert job_draft(Job(kind="t", actor=personas.sp1, status="cancelled")) is None
    assert job_draft(Job(kind="t", actor=None, status="succeeded")) is None
    draft = job_draft(Job(pk=5, kind="t", actor=personas.sp1, status="succeeded", language="zh-hans"))
    assert draft is not None and draft.kind == FINISHED and draft.data == {"job": 5, "status": "succeeded"}
