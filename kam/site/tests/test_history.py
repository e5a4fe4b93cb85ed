"""The cross-app history page (/history/): every change the user may read, filtered."""

import pytest
from django.urls import reverse

from kam.core.changes import ObjectChange
from kam.customers import services

pytestmark = pytest.mark.usefixtures("en")


def _rows(client, **params):
    r = client.get(reverse("history"), params)
    assert r.status_code == 200
    return [row["change"] for row in r.context["history"]], r


def test_a_specialist_reads_the_history_of_their_customers_only(client, world):
    services.contact_update(actor=world.p.sp2, contact=world.c_sp2.contacts.first(), data={"title": "总监"})
    client.force_login(world.p.sp1)
    changes, r = _rows(client)
    assert changes and {c.parent_id for c in changes} == {world.c_sp1.pk, world.c_shared.pk}
    assert world.c_sp2.name not in r.content.decode()


def test_filters_and_events(client, world):
    services.customer_archive(actor=world.p.director, customer=world.c_south, reason="停业整顿")
    client.force_login(world.p.director)
    archived, r = _rows(client, action="archive")
    assert [c.object_id for c in archived] == [world.c_south.pk]
    html = r.content.decode()
    assert "Archived" in html and "停业整顿" in html
    contacts, _r = _rows(client, object_type="customers.contact")
    assert contacts and {c.content_type.model for c in contacts} == {"contact"}
    _none, _r = _rows(client, source="api")
    assert _none == []
    r = client.get(reverse("history"), {"since": "not-a-date"})
    assert r.status_code == 200 and "since" in r.context["form"].errors


def test_the_organisations_own_history_needs_changelog_all(client, world):
    client.force_login(world.p.director)
    director_rows, _r = _rows(client, object_type="org.orgunit")
    assert director_rows == []
    client.force_login(world.p.admin)
    admin_rows, _r = _rows(client, object_type="org.orgunit")
    assert len(admin_rows) == ObjectChange.objects.filter(content_type__model="orgunit").count() > 0


def test_no_history_without_a_reading_permission(client, world):
    client.force_login(world.p.hr)
    assert client.get(reverse("history")).status_code == 403
    assert reverse("history") not in client.get(reverse("home")).content.decode()


def test_event_data_is_shown_once(client, world):
    from kam.core.changes import log_event

    services.customer_archive(actor=world.p.director, customer=world.c_south, reason="停业整顿")
    log_event(world.c_south, "restore", data={"comment": "客户复业"})
    client.force_login(world.p.director)
    html = client.get(reverse("history"), {"object_type": "customers.customer"}).content.decode()
    assert html.count("停业整顿") == 1  # the reason is a field of the diff: not repeated as event data
    assert "Comment" in html and "客户复业" in html


def test_since_and_until_are_date_pickers_and_bad_dates_are_refused_in_chinese(client, world, settings):
    from django.utils import translation

    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(world.p.director)
    with translation.override("zh-hans"):
        r = client.get(reverse("history"), {"since": "2024-13-01", "until": "2024-01-01"})
    assert r.status_code == 200
    assert r.context["form"].errors["since"] == ["输入一个有效的日期。"]
    html = r.content.decode()
    assert 'name="since"' in html and 'value="2024-13-01"' in html and "data-kam-date" in html
    assert 'type="date"' not in html
    _rows(client, since="2000-01-01", until="2999-12-31")
