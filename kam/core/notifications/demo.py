"""``kam demo``: a few read and unread notifications for the demo users (issue 8 §5). The
customer step's reassignments and edits by managers already notified their owners through the
change log; this adds finished and failed jobs. Idempotent: a user who has job notifications is
left alone."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from .jobs import FAILED, FINISHED
from .models import Notification

# username → (kind, title, body, read?, hours ago)
DEMO: dict[str, tuple[tuple[str, str, str, bool, int], ...]] = {
    "sp_east1": (
        (FINISHED, "你的导入任务已完成：客户档案 2026-11.xlsx", "新建 12，更新 3，未变 40，错误 0", True, 50),
        (FINISHED, "你的导出任务已完成：客户列表（华东一部）", "行数 32", False, 3),
        (FAILED, "你的导入任务失败：联系人.xlsx", "第 7 行「手机」：请输入有效的手机号码。", False, 1),
    ),
    "director": (
        (FINISHED, "你的导出任务已完成：全部客户", "行数 300", False, 2),
        (FINISHED, "你的导入任务已完成：年度销售额.xlsx", "新建 0，更新 48，未变 252，错误 0", True, 30),
    ),
    "mgr_east": ((FINISHED, "你的导出任务已完成：华东大客户部客户", "行数 138", False, 5),),
    "sp_south1": (
        (FAILED, "你的导入任务失败：客户档案.xlsx", "第 3 行「统一社会信用代码」：校验位不正确。", False, 4),
    ),
}


def load(ctx) -> None:
    users = getattr(ctx, "users", {}) or {}
    now = timezone.now()
    link = reverse("customers:list")
    rows = []
    for username, notes in DEMO.items():
        user = users.get(username)
        if user is None or Notification.objects.filter(recipient=user, kind__in=(FINISHED, FAILED)).exists():
            continue
        for kind, title, body, read, hours in notes:
            when = now - dt.timedelta(hours=hours)
            rows.append(
                Notification(
                    recipient=user,
                    kind=kind,
                    title=title,
                    body=body,
                    link=link,
                    created_at=when,
                    read_at=when + dt.timedelta(minutes=20) if read else None,
                )
            )
    Notification.objects.bulk_create(rows)
    ctx.notifications = len(rows)
