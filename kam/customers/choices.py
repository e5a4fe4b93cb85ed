"""Choice lists of the 客户档案表 (R2)."""

from collections.abc import Sequence

from django.db import models
from django.utils.translation import gettext_lazy as _


class Nature(models.TextChoices):
    """公司性质 (R2)."""

    LISTED = "listed", _("Listed company")
    PRIVATE = "private", _("Private limited company")
    JOINT_VENTURE = "jv", _("Sino-foreign joint venture")
    FOREIGN = "wfoe", _("Wholly foreign-owned")
    STATE = "state", _("State-owned")
    GOVERNMENT = "government", _("Government / public institution")


class IndustryPosition(models.TextChoices):
    """同业地位 (R2)."""

    LEADER = "leader", _("Industry leader")
    INFLUENTIAL = "influential", _("Influential")
    MEDIUM = "medium", _("Medium")
    SMALL = "small", _("Small manufacturer")
    OTHER = "other", _("Other")


class CreditRating(models.TextChoices):
    """信用等级 (R2), best first: the order is a rank (AAA → AA → A → BBB → BB → B → C), not the
    alphabet — see :func:`rank_expression`."""

    AAA = "AAA", "AAA"
    AA = "AA", "AA"
    A = "A", "A"
    BBB = "BBB", "BBB"
    BB = "BB", "BB"
    B = "B", "B"
    C = "C", "C"


class Status(models.TextChoices):
    ACTIVE = "active", _("Active")
    ARCHIVED = "archived", _("Archived")


def rank_expression(field: str, values: Sequence[str]) -> models.Case:
    """The position of ``field``'s value in ``values`` (0 for the first), ``len(values)`` for an
    empty or unknown value — so ascending puts the best first and the unrated last (R2)."""
    return models.Case(
        *(models.When(**{field: value}, then=models.Value(i)) for i, value in enumerate(values)),
        default=models.Value(len(values)),
        output_field=models.PositiveSmallIntegerField(),
    )


# the list filter's third status choice (not a status a customer has): every status
STATUS_ALL = "all"


class Influence(models.TextChoices):
    """Influence on buying (R2 contacts)."""

    DECISION_MAKER = "decision_maker", _("Decision maker")
    INFLUENCER = "influencer", _("Influencer")
    USER = "user", _("User")
    GATEKEEPER = "gatekeeper", _("Gatekeeper")


class Attitude(models.TextChoices):
    """Attitude to us (R2 contacts)."""

    SUPPORTER = "supporter", _("Supporter")
    FRIENDLY = "friendly", _("Friendly")
    NEUTRAL = "neutral", _("Neutral")
    SCEPTICAL = "sceptical", _("Sceptical")
    OPPONENT = "opponent", _("Opponent")


class TeamRole(models.TextChoices):
    """Seats on a customer's account (project) team (R4.4 team selling)."""

    SALES = "sales", _("Sales")
    PRESALES = "presales", _("Pre-sales")
    DELIVERY = "delivery", _("Delivery")
    SUPPORT = "support", _("Support")


# 省级行政区 — the region filter of the customer list.
PROVINCES = [
    "北京市",
    "天津市",
    "上海市",
    "重庆市",
    "河北省",
    "山西省",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "海南省",
    "四川省",
    "贵州省",
    "云南省",
    "陕西省",
    "甘肃省",
    "青海省",
    "台湾省",
    "内蒙古自治区",
    "广西壮族自治区",
    "西藏自治区",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "香港特别行政区",
    "澳门特别行政区",
]
Province = models.TextChoices("Province", [(p, p) for p in PROVINCES])
