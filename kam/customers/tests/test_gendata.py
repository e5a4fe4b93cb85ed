"""``kam gen-data``: deterministic, counts right, search text identical to the service's, sequence bumped."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from stdnum.cn import uscc

from kam.core.models import ObjectChange, Sequence
from kam.core.validators import normalize_phone
from kam.customers import gendata, services
from kam.customers.models import Contact, Customer, CustomerYearSales
from kam.customers.search import build_search_text, name_sort_key, pinyin_forms


def gen(**kwargs):
    out = io.StringIO()
    call_command("gen_data", stdout=out, **kwargs)
    return out.getvalue()


def snapshot(**kwargs):
    """Generate into a fresh (rolled-back) state and return what identifies the rows."""
    with transaction.atomic():
        gen(**kwargs)
        rows = list(Customer.objects.order_by("code").values_list("code", "name", "credit_code", "phone"))
        contacts = list(Contact.objects.order_by("customer__code", "id").values_list("name", "phone", "email"))
        transaction.set_rollback(True)
    return rows, contacts


def test_generator_is_deterministic():
    def draw(seed):
        g = gendata.Generator(seed, base_year=2026)
        cities = gendata.ALL_CITIES
        return [g.customer(cities[i % len(cities)]) for i in range(40)]

    a, b, c = draw(7), draw(7), draw(8)
    assert [x.fields for x in a] == [x.fields for x in b]
    assert [x.contacts for x in a] == [x.contacts for x in b]
    assert [x.fields["name"] for x in a] != [x.fields["name"] for x in c]


def test_same_seed_same_data_other_seed_other_data(db):
    first = snapshot(customers=30, contacts_per_customer=2, seed=11, teams=3)
    second = snapshot(customers=30, contacts_per_customer=2, seed=11, teams=3)
    other = snapshot(customers=30, contacts_per_customer=2, seed=12, teams=3)
    assert first == second
    assert [r[1] for r in first[0]] != [r[1] for r in other[0]]
    assert [r[2] for r in first[0]] != [r[2] for r in other[0]]


def test_counts_codes_and_no_change_log(db):
    text = gen(customers=50, contacts_per_customer=3, seed=5, teams=4)
    assert "50" in text
    assert Customer.objects.count() == 50
    assert Contact.objects.count() == 150
    assert all(c.contacts.count() == 3 for c in Customer.objects.all()[:10])
    assert list(Customer.objects.order_by("code").values_list("code", flat=True)) == [
        f"KH{i:07d}" for i in range(1, 51)
    ]
    codes = list(Customer.objects.values_list("credit_code", flat=True))
    assert len(set(codes)) == 50 and all(uscc.is_valid(c) for c in codes)
    assert CustomerYearSales.objects.exists()
    # bulk inserts write no change log for customers (documented in the help)
    assert not ObjectChange.objects.filter(parent_type__model="customer").exists()
    # the synthetic org: 4 teams, every customer owned by a member of its team
    assert all(code.startswith("gen-") for code in Customer.objects.values_list("team__code", flat=True))
    for c in Customer.objects.select_related("owner")[:20]:
        assert c.owner.unit_id == c.team_id
    assert len(set(Customer.objects.values_list("team_id", flat=True))) <= 4


def test_search_text_and_completeness_match_the_service(db):
    gen(customers=50, contacts_per_customer=3, seed=3, teams=2)
    for c in Customer.objects.all():
        contacts = list(c.contacts.values_list("name", "phone"))
        assert c.search_text == build_search_text(
            name=c.name, name_en=c.name_en, code=c.code, credit_code=c.credit_code, city=c.city, contacts=contacts
        )
        assert c.completeness == c.compute_completeness()
        assert c.name_sort == name_sort_key(c.name) != ""  # the list's pinyin order (R2)
        assert c.credit_rank == ["AAA", "AA", "A", "BBB", "BB", "B", "C", ""].index(c.credit_rating)
    # and refresh_derived (what every service write does) leaves them unchanged
    c = Customer.objects.order_by("id").first()
    before = (c.search_text, c.completeness, c.name_sort)
    services.refresh_derived(c)
    c.refresh_from_db()
    assert (c.search_text, c.completeness, c.name_sort) == before


def test_generated_values_pass_model_validation(db):
    gen(customers=50, contacts_per_customer=2, seed=9, teams=2)
    for c in Customer.objects.all():
        c.full_clean()
        assert normalize_phone(c.phone) == c.phone  # already in the service's normal form
    for contact in Contact.objects.all()[:60]:
        contact.full_clean()
        assert normalize_phone(contact.phone) == contact.phone


def test_company_name_pinyin_composes_exactly():
    """Company-name pinyin is joined per component; every adjacent pair of components in the
    vocabulary must give exactly what pypinyin gives for the whole string."""
    cache = gendata.PinyinCache()
    shorts = sorted({c.short for c in gendata.ALL_CITIES})
    pairs = [(s, w) for s in shorts for w in gendata.CORE_WORDS]
    pairs += [(s, inst) for s in shorts for inst, _l, _e in gendata.INSTITUTIONS]
    pairs += [(w, i.word) for w in gendata.CORE_WORDS for i in gendata.INDUSTRIES]
    pairs += [(i.word, s) for i in gendata.INDUSTRIES for s in gendata.SUFFIX_WORDS]
    pairs += [(i.word, f"（{s}）") for i in gendata.INDUSTRIES for s in shorts]
    pairs += [(f"（{s}）", gendata.WFOE_SUFFIX) for s in shorts]
    bad = [(a, b) for a, b in pairs if pinyin_forms(a + b) != cache.joined((a, b))]
    assert bad == []
    bad = [(a, b) for a, b in pairs if name_sort_key(a + b) != cache.sort_key((a, b))]
    assert bad == []
    g = gendata.Generator(4)
    for i in range(300):
        made = g.customer(gendata.ALL_CITIES[i % len(gendata.ALL_CITIES)], contacts=0)
        assert made.pinyin == pinyin_forms(made.fields["name"])
        assert g.pinyin.sort_key(made.name_parts) == name_sort_key(made.fields["name"])


def test_attaches_to_existing_teams_and_bumps_sequence(personas):
    gen(customers=40, contacts_per_customer=1, seed=2)
    p = personas
    assert set(Customer.objects.values_list("team_id", flat=True)) <= {p.team_a.pk, p.team_s.pk}
    assert set(Customer.objects.values_list("owner_id", flat=True)) <= {p.sp1.pk, p.sp2.pk, p.am.pk, p.sp_other.pk}
    assert Sequence.objects.get(name="customer").value == 40
    made = services.customer_create(
        actor=p.sp1,
        data={
            "name": "序列检查有限公司",
            "credit_code": gendata.credit_code(authority_type="91", division="310115", org9="MA1234567"),
        },
    )
    assert made.code == "KH0000041"
    # a second run continues the numbering and keeps credit codes unique
    gen(customers=10, contacts_per_customer=1, seed=2)
    codes = list(Customer.objects.values_list("code", flat=True))
    assert "KH0000051" in codes and len(codes) == len(set(codes)) == 51
    assert Customer.objects.values("credit_code").distinct().count() == 51


def test_rejects_bad_arguments(db):
    with pytest.raises(CommandError):
        gen(customers=-1)
    with pytest.raises(CommandError):
        gen(customers=5, teams=0)


def test_org_and_credit_code_helpers():
    code = gendata.credit_code(authority_type="91", division="310115", org9=gendata.org_code("12345678"))
    assert uscc.is_valid(code)
    assert gendata.org_code("12345678")[-1] in "0123456789X"
    # the organisation-code bijection gives distinct codes for distinct numbers
    bodies = {gendata.numeric_org_body(n, 1) for n in range(1, 5001)}
    assert len(bodies) == 5000


def test_synthetic_org_is_reused(db):
    from kam.org.models import OrgUnit, User

    gen(customers=5, contacts_per_customer=1, seed=1, teams=3)
    units, users = OrgUnit.objects.count(), User.objects.count()
    assert OrgUnit.objects.filter(kind="team", code__startswith="gen-").count() == 3
    assert users == 3 * 5  # an account manager and four specialists per team
    gen(customers=5, contacts_per_customer=1, seed=2, teams=3)
    assert (OrgUnit.objects.count(), User.objects.count()) == (units, users)
    assert Customer.objects.count() == 10
    # the generated timestamps spread over the past years, so the list's ordering is realistic
    assert Customer.objects.values("updated_at").distinct().count() == 10
