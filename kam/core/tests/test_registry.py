"""The registry (kam.core.registry): fixed keys, typed entries, no duplicates, temporary
registrations for tests, entries in order."""

import pytest

from kam.core.registry import KEYS, ChangeEvent, NavItem, Registry, registry


def test_a_misspelt_key_fails():
    reg = Registry(KEYS)
    with pytest.raises(KeyError, match="unknown registry key 'nav_item'"):
        reg.register("nav_item", NavItem("home", "Home", "home"))
    with pytest.raises(KeyError):
        reg["home_panel"]


def test_an_entry_of_the_wrong_type_fails():
    reg = Registry(KEYS)
    with pytest.raises(TypeError, match="takes NavItem entries"):
        reg.register("nav_items", ChangeEvent("archive", "Archived"))
    with pytest.raises(TypeError):
        reg.register("nav_items", ("home", "Home"))


def test_duplicates_are_refused():
    reg = Registry(KEYS)
    reg.register("change_events", ChangeEvent("archive", "Archived"))
    with pytest.raises(ValueError, match="'archive' is already registered"):
        reg.register("change_events", ChangeEvent("archive", "Archived again"))
    with pytest.raises(ValueError):
        reg.register("change_events", ChangeEvent("x", "X"), ChangeEvent("x", "X"))


def test_entries_come_sorted_by_order_then_registration():
    reg = Registry(KEYS)
    reg.register("nav_items", NavItem("b", "B", "i", order=20), NavItem("a", "A", "i", order=10))
    reg.register("nav_items", NavItem("c", "C", "i", order=20))
    assert [i.url_name for i in reg["nav_items"]] == ["a", "b", "c"]
    assert reg.get("nav_items", "c").label == "C"
    with pytest.raises(KeyError):
        reg.get("nav_items", "zz")


def test_temporary_registration_is_undone_even_on_error():
    before = registry["change_events"]
    event = ChangeEvent("kam.test.event", "Test event")
    with pytest.raises(RuntimeError):
        with registry.temporary("change_events", event):
            assert event in registry["change_events"]
            raise RuntimeError("boom")
    assert registry["change_events"] == before


def test_the_apps_filled_the_keys_they_own():
    """Every app plugs in through AppConfig.ready: the site's nav has each app's entry."""
    assert {i.url_name for i in registry["nav_items"]} >= {"home", "customers:list", "org:units", "history"}
    assert {p.code for p in registry["permissions"]} >= {"customers.view", "org.manage"}
    assert {u.key for u in registry["unit_usage"]} >= {"members", "customers", "children"}
    assert [loader.key for loader in registry["demo_loaders"]][:2] == ["org", "customers"]
