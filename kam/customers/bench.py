"""The customer file's ``kam bench`` cases: the list page and the API — first page, a filter,
and a search for a term matching about 3 % of the generated customers."""

from __future__ import annotations

from urllib.parse import urlencode

# 2-character substrings of generated names, tried in order; the one matching closest to 3 %
# of the customers is searched.
SEARCH_CANDIDATES = (
    "机械",
    "电子",
    "科技",
    "物流",
    "贸易",
    "化工",
    "医药",
    "食品",
    "纺织",
    "环保",
    "包装",
    "家具",
    "光电",
    "置业",
    "实业",
    "电器",
    "软件",
    "建设",
    "恒泰",
    "宏达",
)


def build_cases(*, q: str, province: str, rating: str) -> list[tuple[str, str, bool]]:
    """(name, path, api) of the eight cases: first page, filter, search at 20 rows, and the
    first page at 100 rows (issue 7: the list pattern's largest page size answers p95 ≤ 50 ms too).

    The page size is remembered per user, so every HTML case names its own (the in-process
    query count runs the cases once before the timing does)."""
    flt = {"province": province, "credit_rating": rating}
    search = {"q": q}
    cases = []
    for api, base in ((False, "/customers/"), (True, "/api/v1/customers/")):
        kind = "api" if api else "html"
        size = {} if api else {"page_size": 20}
        cases += [
            (f"{kind} list", _url(base, size), api),
            (f"{kind} filter", _url(base, {**flt, **size}), api),
            (f"{kind} search", _url(base, {**search, **size}), api),
            (f"{kind} list 100 rows", _url(base, {"page_size": 100}), api),
        ]
    return cases


def _url(base: str, query: dict) -> str:
    return f"{base}?{urlencode(query)}" if query else base


def prepare(ctx) -> list[tuple[str, str, bool]]:
    """Pick the search term and filter values from the generated data; report the counts."""
    from .models import Contact, Customer

    total = Customer.objects.count()
    best, best_share = SEARCH_CANDIDATES[0], -1.0
    for cand in SEARCH_CANDIDATES:
        share = Customer.objects.filter(search_text__contains=cand).count() / max(total, 1)
        if best_share < 0 or abs(share - 0.03) < abs(best_share - 0.03):
            best, best_share = cand, share
    province, rating = "上海市", "A"
    if not Customer.objects.filter(province=province).exists():
        first = Customer.objects.exclude(province="").values_list("province", flat=True).first()
        province = first or province
    ctx.facts.update(
        {
            "customers": total,
            "contacts": Contact.objects.count(),
            "search_term": best,
            "search_share": round(best_share, 4),
            "province": province,
            "credit_rating": rating,
        }
    )
    return build_cases(q=best, province=province, rating=rating)
