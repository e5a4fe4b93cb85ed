"""The delivery channels of a notification (issue 8 §5)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


#: the channels sent from a task (everything but the in-app list)
SENT = (Channel.EMAIL, Channel.WECOM, Channel.DINGTALK)
ROBOTS = (Channel.WECOM, Channel.DINGTALK)
