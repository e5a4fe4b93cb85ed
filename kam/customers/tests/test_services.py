"""Services of the customer file (R2): validation, scope re-check, change log, search text."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kam.core.changes import ObjectChange
from kam.core.context import change_context
from kam.customers import services
from kam.customers.models import AccountTeamMember, Contact, Customer
from kam.customers.testing import valid_uscc
from kam.org.models import OrgUnit

GOOD = {"name": "华东精密仪器股份有限公司", "credit_code": valid_uscc(900001), "province": "上海市"}


def snapshot():
    return (Customer.objects.count(), Contact.objects.count(), ObjectChange.objects.count())


def test_valid_uscc_helper_makes_valid_codes():
    from stdnum.cn import uscc

    codes = {valid_uscc(n) for n in range(1, 200)}
    assert len(codes) == 199
    assert all(uscc.is_valid(c) for c in codes)


def test_create_with_contacts_and_sales_logs_everything(personas):
    sp1 = personas.sp1
    with change_context(source="web", actor=sp1):
        c = services.customer_create(
            actor=sp1,
            data=GOOD,
            contacts=[{"name": "王建国", "phone": "13800138000", "influence": "decision_maker"}, {"name": "Li Na"}],
            yearly_sales=[{"year": 2025, "revenue": "12000000.50"}],
        )
    assert c.code.startswith("KH") and len(c.code) == 9
    assert c.owner == sp1 and c.team == personas.team_a  # defaults: actor and the specialist's team
    assert c.contacts.count() == 2
    assert c.contacts.get(name="王建国").phone == "138 0013 8000"  # normalised by phonenumbers
    logged = ObjectChange.objects.filter(parent_type__model="customer", parent_id=c.pk)
    assert logged.filter(action="create").count() == 4  # customer, 2 contacts, 1 year
    entry = logged.get(content_type__model="customer")
    assert entry.actor == sp1 and entry.source == "web"
    assert entry.changes["name"] == [None, GOOD["name"]]
    assert entry.changes["province"] == [None, "上海市"]


def test_search_text_has_pinyin_initials_and_contact_phone(personas):
    c = services.customer_create(actor=personas.sp1, data=GOOD, contacts=[{"name": "王建国", "phone": "13800138000"}])
    c.refresh_from_db()
    assert "hdjmyq" in c.search_text  # 华东精密仪器 initials
    assert "huadongjingmi" in c.search_text
    assert "13800138000" in c.search_text
    assert "wjg" in c.search_text


def test_update_records_old_and_new(personas):
    c = services.customer_create(actor=personas.sp1, data=GOOD)
    services.customer_update(actor=personas.sp1, customer=c, data={"credit_rating": "AA", "city": "上海"})
    entry = ObjectChange.objects.filter(parent_type__model="customer", parent_id=c.pk, action="update").latest("id")
    # an old client's city keeps the code in step (issue 7): 上海市 + 上海 → 310100
    assert entry.changes == {
        "credit_rating": ["", "AA"],
        "city": ["", "上海"],
        "division_code": ["310000", "310100"],
        "version": [1, 2],
    }


def test_noop_update_writes_no_change(personas):
    c = services.customer_create(actor=personas.sp1, data=GOOD)
    before = ObjectChange.objects.count()
    services.customer_update(actor=personas.sp1, customer=c, data={"name": GOOD["name"]})
    assert ObjectChange.objects.count() == before


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "", "credit_code": valid_uscc(5)}, "name"),
        ({"name": "某公司", "credit_code": ""}, "credit_code"),
        ({"name": "某公司", "credit_code": "91310000MA1FL4KX6C"}, "credit_code"),  # wrong check char
        ({"name": "某公司", "credit_code": "9131000"}, "credit_code"),
        ({"name": "长" * 101, "credit_code": valid_uscc(6)}, "name"),
        ({"name": "某公司", "credit_code": valid_uscc(7), "postcode": "2000"}, "postcode"),
        ({"name": "某公司", "credit_code": valid_uscc(8), "email": "not-an-email"}, "email"),
        ({"name": "某公司", "credit_code": valid_uscc(9), "phone": "12"}, "phone"),
        ({"name": "某公司", "credit_code": valid_uscc(10), "annual_revenue": "-1"}, "annual_revenue"),
        ({"name": "某公司", "credit_code": valid_uscc(11), "nature": "bogus"}, "nature"),
    ],
)
def test_bad_input_changes_nothing(personas, data, field):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.customer_create(actor=personas.sp1, data=data)
    assert field in exc.value.message_dict
    assert snapshot() == before


def test_duplicate_credit_code_is_refused(personas):
    services.customer_create(actor=personas.sp1, data=GOOD)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.customer_create(actor=personas.sp2, data={**GOOD, "name": "另一家公司"})
    assert "credit_code" in exc.value.message_dict
    assert snapshot() == before


def test_lower_case_credit_code_is_normalised_and_still_unique(personas):
    services.customer_create(actor=personas.sp1, data=GOOD)
    with pytest.raises(ValidationError):
        services.customer_create(actor=personas.sp1, data={**GOOD, "credit_code": GOOD["credit_code"].lower()})


def test_bad_contact_rolls_back_the_whole_customer(personas):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.customer_create(actor=personas.sp1, data=GOOD, contacts=[{"name": "好人"}, {"name": "", "phone": "1"}])
    assert "contacts[1].name" in exc.value.message_dict and "contacts[1].phone" in exc.value.message_dict
    assert snapshot() == before


def test_permission_and_scope(world):
    p = world.p
    with pytest.raises(PermissionDenied):
        services.customer_create(actor=p.hr, data=GOOD)
    with pytest.raises(PermissionDenied):  # finance reads only
        services.customer_update(actor=p.finance, customer=world.c_sp1, data={"city": "x"})
    with pytest.raises(PermissionDenied):  # out of scope
        services.customer_update(actor=p.sp2, customer=world.c_sp1, data={"city": "x"})
    with pytest.raises(PermissionDenied):  # specialists may not archive
        services.customer_archive(actor=p.sp1, customer=world.c_sp1)


def test_specialist_cannot_give_a_customer_away(world):
    p = world.p
    with pytest.raises(PermissionDenied):
        services.customer_update(actor=p.sp1, customer=world.c_sp1, data={}, owner=p.sp2)
    world.c_sp1.refresh_from_db()
    assert world.c_sp1.owner == p.sp1


def test_moving_a_customer_out_of_ones_part_of_the_organisation_is_refused(world):
    """An account manager of team A moving a customer to 华南 would lose sight of it: refused."""
    p = world.p
    with pytest.raises(ValidationError) as exc:
        services.customer_update(actor=p.am, customer=world.c_sp1, data={"city": "广州"}, team=p.team_s)
    assert list(exc.value.message_dict) == ["team"]
    world.c_sp1.refresh_from_db()
    assert world.c_sp1.team == p.team_a and world.c_sp1.city != "广州"


def test_write_that_leaves_scope_is_rolled_back(world, monkeypatch):
    """Behind the owner/team rules the scope re-check after every write still stands: were a
    team outside the actor's scope accepted, the whole write is rolled back."""
    p = world.p
    monkeypatch.setattr(services, "choosable_teams", lambda actor, permission: OrgUnit.objects.all())
    with pytest.raises(PermissionDenied):
        services.customer_update(actor=p.am, customer=world.c_sp1, data={"city": "广州"}, team=p.team_s)
    world.c_sp1.refresh_from_db()
    assert world.c_sp1.team == p.team_a and world.c_sp1.city != "广州"


def test_manager_can_reassign_within_scope(world):
    p = world.p
    services.customer_update(actor=p.dm, customer=world.c_sp1, data={}, owner=p.sp2, team=p.team_b)
    world.c_sp1.refresh_from_db()
    assert (world.c_sp1.owner, world.c_sp1.team) == (p.sp2, p.team_b)
    entry = ObjectChange.objects.filter(
        parent_type__model="customer", parent_id=world.c_sp1.pk, action="update"
    ).latest("id")
    assert entry.changes["owner"] == ["张专员", "李专员"]
    assert entry.changes["team"] == ["华东一组", "华东二组"]


def test_archive_and_restore(world):
    p = world.p
    services.customer_archive(actor=p.am, customer=world.c_sp1, reason="客户已注销")
    world.c_sp1.refresh_from_db()
    assert world.c_sp1.is_archived and world.c_sp1.archive_reason == "客户已注销"
    with pytest.raises(ValidationError):  # archived files are read-only
        services.customer_update(actor=p.am, customer=world.c_sp1, data={"city": "x"})
    with pytest.raises(ValidationError):
        services.contact_create(actor=p.am, customer=world.c_sp1, data={"name": "新人"})
    services.customer_restore(actor=p.am, customer=world.c_sp1)
    world.c_sp1.refresh_from_db()
    assert not world.c_sp1.is_archived and world.c_sp1.archived_at is None


def test_contact_lifecycle_is_logged_under_the_customer(world):
    p = world.p
    contact = services.contact_create(actor=p.sp1, customer=world.c_sp1, data={"name": "赵六", "title": "采购经理"})
    services.contact_update(actor=p.sp1, contact=contact, data={"title": "采购总监"})
    contact_id = contact.pk
    services.contact_archive(actor=p.sp1, contact=contact, reason="离职")
    services.contact_restore(actor=p.sp1, contact=contact)
    actions = list(
        ObjectChange.objects.filter(
            parent_type__model="customer", parent_id=world.c_sp1.pk, content_type__model="contact", object_id=contact_id
        )
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "archive", "restore"]
    upd = ObjectChange.objects.get(object_id=contact_id, action="update", content_type__model="contact")
    assert upd.changes == {"title": ["采购经理", "采购总监"], "version": [1, 2]}


def test_account_team_seat_gives_a_specialist_sight(world):
    p = world.p
    assert not Customer.objects.restrict(p.sp2, "customers.view").filter(pk=world.c_sp1.pk).exists()
    services.account_team_add(actor=p.am, customer=world.c_sp1, user=p.sp2, role="delivery")
    assert Customer.objects.restrict(p.sp2, "customers.view").filter(pk=world.c_sp1.pk).exists()
    member = AccountTeamMember.objects.get(customer=world.c_sp1, user=p.sp2)
    services.account_team_remove(actor=p.am, member=member)
    assert not Customer.objects.restrict(p.sp2, "customers.view").filter(pk=world.c_sp1.pk).exists()


def test_yearly_sales_replace(world):
    p = world.p
    c = world.c_sp1
    services.yearly_sales_set(
        actor=p.sp1, customer=c, rows=[{"year": 2023, "revenue": "100"}, {"year": 2024, "revenue": "200"}]
    )
    services.yearly_sales_set(
        actor=p.sp1, customer=c, rows=[{"year": 2024, "revenue": "250"}, {"year": 2025, "revenue": "300"}]
    )
    assert dict(c.yearly_sales.values_list("year", "revenue")) == {2024: 250, 2025: 300}


def test_completeness_counts_key_fields(personas):
    c = services.customer_create(actor=personas.sp1, data={"name": "甲", "credit_code": valid_uscc(42)})
    c.refresh_from_db()
    # name + credit code of 19 key fields + 2 (contacts, sales) → 2/21
    assert c.completeness == round(100 * 2 / 21)
    services.contact_create(actor=personas.sp1, customer=c, data={"name": "乙"})
    c.refresh_from_db()
    assert c.completeness == round(100 * 3 / 21)


@pytest.mark.parametrize(
    "rows, key",
    [
        ([{"year": "二〇二四", "revenue": "1"}], "yearly_sales[0].year"),
        ([{"year": 2024, "revenue": "1"}, {"year": "2024", "revenue": "2"}], "yearly_sales[1].year"),
        ([{"year": 2024, "revenue": "-5"}], "yearly_sales[0].revenue"),
        ([{"year": 1800, "revenue": "5"}], "yearly_sales[0].year"),
    ],
)
def test_yearly_sales_bad_rows_change_nothing(world, rows, key):
    c = world.c_sp1
    services.yearly_sales_set(actor=world.p.sp1, customer=c, rows=[{"year": 2023, "revenue": "100"}])
    before = (list(c.yearly_sales.values_list("year", "revenue")), ObjectChange.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.yearly_sales_set(actor=world.p.sp1, customer=c, rows=rows)
    assert key in exc.value.message_dict
    assert (list(c.yearly_sales.values_list("year", "revenue")), ObjectChange.objects.count()) == before


# --- owner and team rules (for every entry point: the service is the one place) --------------


def test_create_refuses_a_team_outside_the_creators_part_of_the_organisation(world):
    p = world.p
    before = Customer.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.customer_create(actor=p.sp1, data={"name": "越区", "credit_code": valid_uscc(5401)}, team=p.team_s)
    assert list(exc.value.message_dict) == ["team"]
    with pytest.raises(ValidationError):  # a manager of 华东 cannot file under 华南 either
        services.customer_create(actor=p.dm, data={"name": "越区", "credit_code": valid_uscc(5402)}, team=p.team_s)
    assert Customer.objects.count() == before
    # the 华南 department manager can
    c = services.customer_create(
        actor=p.dm_south, data={"name": "华南新客", "credit_code": valid_uscc(5403)}, team=p.team_s
    )
    assert c.team == p.team_s


def test_reassign_only_to_people_in_the_actors_part_of_the_organisation(world):
    p = world.p
    for owner in (p.sp_other, p.dm_south, p.director):
        with pytest.raises(ValidationError) as exc:
            services.customer_update(actor=p.am, customer=world.c_sp1, data={}, owner=owner)
        assert list(exc.value.message_dict) == ["owner"], owner
    with pytest.raises(ValidationError):
        services.customer_create(actor=p.dm, data={"name": "代建", "credit_code": valid_uscc(5404)}, owner=p.sp_other)
    world.c_sp1.refresh_from_db()
    assert world.c_sp1.owner == p.sp1
    services.customer_update(actor=p.dm, customer=world.c_sp1, data={}, owner=p.sp2, team=p.team_b)
    world.c_sp1.refresh_from_db()
    assert (world.c_sp1.owner, world.c_sp1.team) == (p.sp2, p.team_b)


# --- full-width input (R2): Chinese input methods type codes and numbers in full width ------


def _full_width(text: str) -> str:
    """``text`` as a Chinese input method types it: ASCII letters and digits in full width."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else "\u3000" if ch == " " else ch for ch in text)


def test_full_width_codes_and_numbers_are_converted_not_refused(personas):
    code = valid_uscc(900011)
    typed = f"{_full_width(code[:8])}\u3000{_full_width(code[8:].lower())}"
    c = services.customer_create(
        actor=personas.sp1,
        data={
            "name": "全角输入有限公司",
            "credit_code": typed,
            "postcode": "２００１２０",
            "phone": "（０２１）６２３４－５６７８",
            "fax": "０２１　６２３４　５６７９",
        },
        contacts=[{"name": "王建国", "phone": "１３８　００１３　８０００"}],
    )
    c.refresh_from_db()
    assert (c.credit_code, c.postcode, c.phone, c.fax) == (code, "200120", "021 6234 5678", "021 6234 5679")
    assert c.contacts.get().phone == "138 0013 8000"
    services.customer_update(actor=personas.sp1, customer=c, data={"postcode": "２０１２０３"})
    c.refresh_from_db()
    assert c.postcode == "201203"


# --- the credit code is the natural key (R2): who holds a duplicate, told only to who may know -


def _clash(actor, data, customer=None):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        if customer is None:
            services.customer_create(actor=actor, data=data)
        else:
            services.customer_update(actor=actor, customer=customer, data=data)
    assert snapshot() == before
    assert list(exc.value.message_dict) == ["credit_code"]
    (message,) = exc.value.message_dict["credit_code"]
    return message


def test_duplicate_in_scope_names_the_holder(world, en):
    holder = world.c_sp2  # am (team A) sees it
    message = _clash(world.p.am, {"name": "另一家公司", "credit_code": holder.credit_code})
    assert message == (
        f"This unified social credit code is already registered to the customer “{holder.name}” "
        f"({holder.code}), owner {world.p.sp2.name}."
    )
    assert "具有" not in message and "already exists" not in message  # not Django's default


def test_duplicate_in_scope_message_in_zh_hans(world):
    from django.utils import translation

    holder = world.c_sp2
    with translation.override("zh-hans"):
        message = _clash(world.p.am, {"name": "另一家公司", "credit_code": holder.credit_code})
    assert message == f"该统一社会信用代码已登记为客户「{holder.name}」（{holder.code}），负责人 {world.p.sp2.name}。"


def test_duplicate_out_of_scope_does_not_leak_the_holder(world, en):
    holder = world.c_south  # sp1 (华东) cannot see 华南's customers
    message = _clash(world.p.sp1, {"name": "另一家公司", "credit_code": holder.credit_code})
    for secret in (holder.name, holder.code, holder.owner.name, holder.owner.username, holder.team.name):
        assert secret not in message
    assert "another team" in message and "owner or your manager" in message


def test_duplicate_out_of_scope_in_zh_hans(world):
    from django.utils import translation

    with translation.override("zh-hans"):
        message = _clash(world.p.sp1, {"name": "另一家公司", "credit_code": world.c_south.credit_code})
    assert message == "该统一社会信用代码已登记在其他团队的客户档案中，请联系该客户的负责人或您的上级核实。"


def test_duplicate_of_an_archived_customer_names_it_as_archived(world, en):
    holder = world.c_sp2
    services.customer_archive(actor=world.p.am, customer=holder, reason="停业")
    message = _clash(world.p.am, {"name": "另一家公司", "credit_code": holder.credit_code})
    assert f"archived customer “{holder.name}” ({holder.code})" in message and "restore" in message
    # and archived out of scope: still nothing about it
    services.customer_archive(actor=world.p.dm_south, customer=world.c_south, reason="停业")
    message = _clash(world.p.sp1, {"name": "另一家公司", "credit_code": world.c_south.credit_code})
    assert world.c_south.name not in message and "archived" not in message


@pytest.mark.parametrize(
    "write",
    [
        str.lower,
        lambda code: f" {code[:6]} {code[6:12]} {code[12:]} ",
        lambda code: f"{code[:8]}-{code[8:]}",
        _full_width,
        lambda code: _full_width(code.lower()),
    ],
    ids=["lower", "spaces", "hyphen", "full-width", "full-width-lower"],
)
def test_duplicate_written_differently_is_still_the_holder(world, en, write):
    holder = world.c_sp1
    message = _clash(world.p.sp1, {"name": "另一家公司", "credit_code": write(holder.credit_code)})
    assert f"“{holder.name}” ({holder.code})" in message


def test_update_to_a_taken_code_names_the_holder_and_other_errors_come_too(world, en):
    holder = world.c_sp2
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.customer_update(
            actor=world.p.am, customer=world.c_sp1, data={"credit_code": holder.credit_code, "postcode": "12"}
        )
    errors = exc.value.message_dict
    assert set(errors) == {"credit_code", "postcode"}
    assert f"“{holder.name}”" in errors["credit_code"][0]
    assert snapshot() == before
    # keeping one's own code is no clash
    services.customer_update(actor=world.p.am, customer=world.c_sp1, data={"credit_code": world.c_sp1.credit_code})


def test_a_race_on_the_same_code_ends_in_the_same_message_not_a_500(world, en, monkeypatch):
    """Two users saving the same code at once: both pass the check, the database's unique
    constraint refuses the second insert; that IntegrityError becomes the ValidationError."""
    holder = world.c_sp2
    real = services.credit_code_clash
    calls = []

    def first_check_misses(actor, customer):
        calls.append(customer.credit_code)
        return None if len(calls) == 1 else real(actor, customer)

    monkeypatch.setattr(services, "credit_code_clash", first_check_misses)
    message = _clash(world.p.am, {"name": "并发公司", "credit_code": holder.credit_code})
    assert len(calls) == 2
    assert f"“{holder.name}” ({holder.code})" in message


def test_other_integrity_errors_are_not_disguised(world, monkeypatch):
    """Only a clash on the credit code becomes its message; any other refusal of the database
    stays what it is."""
    from django.db import IntegrityError

    def refuse(self, *args, **kwargs):
        raise IntegrityError("some other constraint")

    monkeypatch.setattr(Customer, "save", refuse)
    with pytest.raises(IntegrityError):
        services.customer_create(actor=world.p.am, data={"name": "撞号公司", "credit_code": valid_uscc(900012)})


def test_other_unique_fields_are_still_checked(world, en, monkeypatch):
    monkeypatch.setattr(services, "next_customer_code", lambda: world.c_sp2.code)  # a taken number
    with pytest.raises(ValidationError) as exc:
        services.customer_create(actor=world.p.am, data={"name": "撞号公司", "credit_code": valid_uscc(900012)})
    assert list(exc.value.message_dict) == ["code"]


# --- the pinyin sort key (R2 list order) ------------------------------------------------------


def test_the_name_sort_key_follows_the_name(world):
    from kam.customers.search import name_sort_key

    c = services.customer_create(actor=world.p.sp1, data={**GOOD, "credit_code": valid_uscc(900013)})
    assert (
        Customer.objects.get(pk=c.pk).name_sort
        == name_sort_key(GOOD["name"])
        == "hua dong jing mi yi qi gu fen you xian gong si"
    )
    services.customer_update(actor=world.p.sp1, customer=c, data={"name": "三亚海景酒店管理有限公司"})
    assert Customer.objects.get(pk=c.pk).name_sort.startswith("san ya hai jing")
    # refresh_derived repairs a stale key; it is never in the change log
    Customer.objects.filter(pk=c.pk).logged_update(name="上海新名称有限公司")
    services.refresh_derived(Customer.objects.get(pk=c.pk))
    assert Customer.objects.get(pk=c.pk).name_sort.startswith("shang hai xin")
    assert not any("name_sort" in (e.changes or {}) for e in ObjectChange.objects.all())


def test_yearly_sales_are_named_in_the_one_money_format():
    """The history and the activity timeline name a year's sales by its repr: 元 to the fen with
    thousands separators (issue 7), not ``2025: 49669360000.00``."""
    from decimal import Decimal

    from django.utils import translation

    from kam.customers.models import CustomerYearSales

    with translation.override("zh-hans"):
        assert str(CustomerYearSales(year=2025, revenue=Decimal("49669360000"))) == "2025 年：49,669,360,000.00 元"
    with translation.override("en"):
        assert str(CustomerYearSales(year=2025, revenue=Decimal("0.5"))) == "2025: 0.50 yuan"
