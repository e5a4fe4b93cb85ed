"""The preferences form: a switch per kind and channel, and the group robots' webhooks."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..forms import TablerFormMixin
from .channels import Channel


class PreferencesForm(TablerFormMixin, forms.Form):
    wecom_url = forms.CharField(
        label=_("WeCom robot webhook"),
        required=False,
        max_length=500,
        help_text=_("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…"),
    )
    dingtalk_url = forms.CharField(
        label=_("DingTalk robot webhook"),
        required=False,
        max_length=500,
        help_text=_("https://oapi.dingtalk.com/robot/send?access_token=…"),
    )
    dingtalk_secret = forms.CharField(
        label=_("DingTalk signing secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("The robot's 加签 secret (SEC…). Left empty, the saved secret is kept."),
    )
    clear_dingtalk_secret = forms.BooleanField(label=_("Remove the saved secret"), required=False)

    def __init__(self, *args, rows: list[dict], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            for channel in Channel.values:
                self.fields[self.switch(row["kind"], channel)] = forms.BooleanField(
                    label="{} · {}".format(row["label"], Channel(channel).label),
                    required=False,
                    initial=row[channel],
                )
        self.style_widgets()

    @staticmethod
    def switch(kind: str, channel: str) -> str:
        return "{}__{}".format(kind.replace(".", "-"), channel)

    def table(self) -> list[dict]:
        """Rows for the template: the kind and its channels' bound fields."""
        return [
            {**row, "switches": [(self[self.switch(row["kind"], c)], Channel(c).label, c) for c in Channel.values]}
            for row in self.rows
        ]

    def kinds(self) -> dict[str, dict[str, bool]]:
        return {
            row["kind"]: {c: bool(self.cleaned_data.get(self.switch(row["kind"], c))) for c in Channel.values}
            for row in self.rows
        }
