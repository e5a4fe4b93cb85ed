"""Customer search (R2 "find customers"): the bigram FTS5 index answers exactly "is a substring"."""

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam.customers.search import build_search_text, fts_query, grams, normalize_query, pg_tsquery, pinyin_forms

ALPHABET = "华东精密机械上海明珠abc0129"


def fts_matches(texts: list[str], q: str) -> set[int]:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE s USING fts5(grams, tokenize='unicode61 remove_diacritics 0')")
    db.executemany("INSERT INTO s(rowid, grams) VALUES (?, ?)", [(i, grams(t)) for i, t in enumerate(texts)])
    return {row[0] for row in db.execute("SELECT rowid FROM s WHERE s MATCH ?", [fts_query(q)])}


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(st.text(alphabet=ALPHABET + "|", min_size=0, max_size=20), min_size=1, max_size=8),
    q=st.text(alphabet=ALPHABET, min_size=1, max_size=5),
)
def test_index_equals_substring_search(texts, q):
    """For a query of letters/digits, the index finds exactly the texts containing it."""
    expected = {i for i, t in enumerate(texts) if q.lower() in t.lower()}
    assert fts_matches(texts, q) == expected


def test_grams_examples():
    assert grams("华东精密") == "华东 东精 精密 密"
    assert grams("KH0001|hdjm") == "kh h0 00 00 01 1 hd dj jm m"
    assert fts_query("精密") == '"精密"'
    assert fts_query("华东精") == '"华东 东精"'
    assert fts_query("精") == '"精" *'
    assert fts_query("li na") == '"li" AND "na"'
    assert fts_query("--") is None
    assert pg_tsquery("华东精") == "('华东' <-> '东精')"
    assert pg_tsquery("精") == "('精':*)"
    assert pg_tsquery("li na") == "('li') & ('na')"
    assert pg_tsquery("--") is None


def test_query_normalisation_strips_phone_punctuation():
    assert normalize_query(" 138-0013 8000 ") == "13800138000"
    assert normalize_query("ABC 公司") == "abc 公司"


def test_pinyin_forms():
    assert pinyin_forms("华东精密") == ("huadongjingmi", "hdjm")


def test_search_text_covers_every_searchable_part():
    text = build_search_text(
        name="华东精密",
        name_en="East Precision",
        code="KH0000001",
        credit_code="91310000MA1FL4KX6B",
        city="上海",
        contacts=[("王建国", "138 0013 8000")],
    )
    for part in (
        "华东精密",
        "east precision",
        "kh0000001",
        "91310000ma1fl4kx6b",
        "上海",
        "hdjm",
        "王建国",
        "wangjianguo",
        "wjg",
        "13800138000",
    ):
        assert part in text


@pytest.mark.parametrize("q", ["精密", "hdjm", "HuaDong", "0013800", "王建", "KH00", "precision"])
def test_list_filter_finds_by_any_part(world, q, django_assert_max_num_queries):
    from kam.customers import services
    from kam.customers.filters import CustomerFilter
    from kam.customers.models import Customer
    from kam.customers.testing import valid_uscc

    c = services.customer_create(
        actor=world.p.sp1,
        data={"name": "华东精密仪器有限公司", "name_en": "East Precision", "credit_code": valid_uscc(4242)},
        contacts=[{"name": "王建国", "phone": "13800138000"}],
    )
    qs = CustomerFilter({"q": q}, queryset=Customer.objects.restrict(world.p.sp1, "customers.view")).qs
    assert c in qs
    # and a customer out of scope never shows, even when it matches
    other = CustomerFilter({"q": "广州南方"}, queryset=Customer.objects.restrict(world.p.sp1, "customers.view")).qs
    assert not other.exists()
    assert CustomerFilter(
        {"q": "广州南方"}, queryset=Customer.objects.restrict(world.p.director, "customers.view")
    ).qs.exists()


def test_index_follows_edits_and_deletes(world):
    from kam.customers import services
    from kam.customers.filters import CustomerFilter
    from kam.customers.models import Customer

    def found(q):
        return set(CustomerFilter({"q": q}, queryset=Customer.objects.restrict(world.p.director, "customers.view")).qs)

    assert world.c_sp1 in found("华东精密")
    services.customer_update(actor=world.p.sp1, customer=world.c_sp1, data={"name": "江南精工有限公司"})
    assert world.c_sp1 not in found("华东精密")
    assert world.c_sp1 in found("江南精工")
    services.contact_create(actor=world.p.sp1, customer=world.c_sp1, data={"name": "欧阳娜娜", "phone": "13700001111"})
    assert world.c_sp1 in found("欧阳") and world.c_sp1 in found("37000011")
    pk = world.c_sp1.pk
    Customer.objects.filter(pk=pk).delete()
    assert not found("江南精工")


def test_database_index_holds_the_same_grams_as_python(world):
    """SQLite: the FTS5 rows; PostgreSQL: the SQL function kam_grams behind the GIN index —
    either way the database's grams equal :func:`grams` of each customer's search text."""
    from django.db import connection

    from kam.customers.models import Customer

    expected = {c.pk: grams(c.search_text) for c in Customer.objects.all()}
    assert len(expected) == 5 and all(expected.values())
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT rowid, grams FROM customers_customer_search")
        else:
            cur.execute("SELECT id, kam_grams(search_text) FROM customers_customer")
        got = dict(cur.fetchall())
    assert got == expected


@pytest.mark.parametrize(
    "name",
    [
        "上海明珠贸易有限公司",
        "重庆长安汽车股份有限公司",
        "银行行长",
        "乐乐音乐",
        "单于",
        "Apple 中国",
        "上海ABC科技（集团）有限公司",
        "ＡＢＣ全角",
        "㈱东京",
        "北京 朝阳·三里屯",
        "中国-Bank_of 行",
        "123",
        "",
    ],
)
def test_name_pinyin_in_one_pass_equals_the_three(name):
    """The importer's one-pass pinyin (R2.3 speed) gives exactly the search forms and sort key."""
    from kam.customers.search import name_pinyin, name_sort_key, pinyin_forms

    assert name_pinyin(name) == (*pinyin_forms(name), name_sort_key(name))
