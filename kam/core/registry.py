"""The registry: how apps plug into each other and into the site (NetBox's registry, Wagtail's
hooks).

A lower layer never imports a higher one (architecture.md "Layers"). When a lower app must ask
something of the apps above it — org asks "what still uses this unit?", the site asks "which
panels go on the home page?" — it reads a key of this registry, and every app fills the keys it
answers in its ``AppConfig.ready()``::

    from kam.core.registry import NavItem, register

    register("nav_items", NavItem("customers:list", _("Customers"), "building", perms.CUSTOMERS_VIEW, order=20))

The keys are fixed (:data:`KEYS`): a misspelt key is a :class:`KeyError`, an item of the wrong
type a :class:`TypeError`, and an item whose ``key`` is already registered under the same
registry key a :class:`ValueError` — so a mistake fails at start-up, not on some page later.
Tests register temporarily with :meth:`Registry.temporary`.

Entries are small frozen dataclasses holding callables; core knows nothing of what the callables
do. Readers get the entries sorted by their ``order`` (then in registration order).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

# --- entry types ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NavGroup:
    """An area of the sidebar (工作台 · 客户 · 销售 · 拜访 · 审批 · 绩效与提成 · 报表 · 设置). A group
    shows only when the user may use one of its items."""

    key: str
    label: Any
    icon: str
    order: int = 100


@dataclass(frozen=True)
class NavItem:
    """An entry of the main navigation, shown to users holding ``permission``: a code, a tuple
    meaning any of them, a callable returning such a tuple (read when the menu is drawn), or
    None for everyone. ``group`` is the key of its :class:`NavGroup`; ``tab_order`` puts it on
    the phone's bottom tab bar (lowest first; None: not there)."""

    url_name: str
    label: Any  # a lazy translation
    icon: str
    permission: str | tuple[str, ...] | Callable[[], tuple[str, ...]] | None = None
    order: int = 100
    group: str = "workbench"
    tab_order: int | None = None
    tab_label: Any = None  # a shorter label for the tab bar
    sidebar: bool = True  # False: only on the tab bar (e.g. 我的, whose sidebar twin is the user menu)

    @property
    def key(self) -> str:
        return self.url_name


@dataclass(frozen=True)
class HomePanel:
    """A panel of the home page. ``context(request)`` returns the template's context, or None to
    leave the panel out for this user; it must aggregate in the database (a fixed number of
    queries however much data there is)."""

    key: str
    template: str
    context: Callable[[Any], dict | None]
    permission: str | None = None
    order: int = 100
    size: str = "full"  # "full" row, or "half" (two side by side on wide screens)


@dataclass(frozen=True)
class DetailTab:
    """A tab of a record's detail page (the one detail pattern): ``model`` is
    ``"app_label.ModelName"`` of the record; ``render(request, obj)`` returns the tab's HTML
    (loaded when the tab is opened); ``count(request, obj)`` (optional) the number shown on the
    tab. Later apps add theirs to another app's records (orders on a customer, visits …)."""

    model: str
    key: str
    label: Any
    render: Callable[[Any, Any], str]
    count: Callable[[Any, Any], int | None] | None = None
    permission: str | None = None
    order: int = 100


@dataclass(frozen=True)
class PermissionCode:
    """A permission code (R1.2) an app defines, and the default roles that get it."""

    code: str
    label: Any
    default_roles: tuple[str, ...] = ()
    order: int = 100

    @property
    def key(self) -> str:
        return self.code


@dataclass(frozen=True)
class UnitUsage:
    """Something that uses an org unit (active members, a team's customers, …).

    ``count(unit)`` answers for one unit; ``annotation()`` (optional) returns a correlated
    subquery expression counting it for every unit of a queryset at once (the unit tree);
    ``describe(n)`` the phrase shown when it blocks deactivation ("3 active customers");
    ``url(unit)`` (optional) a page listing them. With ``blocks_deactivation`` a unit still in
    use cannot be deactivated."""

    key: str
    heading: Any
    count: Callable[[Any], int]
    describe: Callable[[int], str]
    annotation: Callable[[], Any] | None = None
    url: Callable[[Any], str] | None = None
    blocks_deactivation: bool = True
    order: int = 100


@dataclass(frozen=True)
class OwnedItems:
    """Things a user still owns (R1.4: nothing may be left owned by an inactive user).
    ``count(user)``; ``describe(n)`` ("owns 3 active customers"); ``url(user)`` lists them."""

    key: str
    count: Callable[[Any], int]
    describe: Callable[[int], str]
    url: Callable[[Any], str] | None = None
    order: int = 100


@dataclass(frozen=True)
class ChangeLogParent:
    """A kind of object other changes are filed under (a customer holds its contacts' changes).

    ``model`` is ``"app_label.ModelName"``; a reader holding ``permission`` sees the changes
    filed under the parents ``visible(user)`` returns — a queryset of parent ids, or None for
    all of them."""

    model: str
    permission: str
    visible: Callable[[Any], Any]
    order: int = 100

    @property
    def key(self) -> str:
        return self.model.lower()


@dataclass(frozen=True)
class ChangeEvent:
    """A transition logged as an event (archive, restore, approve, redeem, close …) and its label."""

    action: str
    label: Any
    order: int = 100

    @property
    def key(self) -> str:
        return self.action


@dataclass(frozen=True)
class Loader:
    """A step of ``kam demo`` or ``kam gen-data``. ``load(ctx)`` gets a shared context object
    (attributes set by earlier loaders, e.g. ``ctx.units``); ``add_arguments(parser)`` adds the
    step's command-line options (gen-data)."""

    key: str
    load: Callable[[Any], Any]
    order: int = 100
    add_arguments: Callable[[Any], None] | None = None


@dataclass(frozen=True)
class BenchCases:
    """Cases of ``kam bench``. ``prepare(ctx)`` runs in the prepared scratch database and returns
    a list of ``(name, path, api)`` tuples (and may put facts for the report on ``ctx.facts``)."""

    key: str
    prepare: Callable[[Any], list[tuple[str, str, bool]]]
    order: int = 100


@dataclass(frozen=True)
class UrlMount:
    """An app's URLconf mounted at ``prefix`` (pages) or under ``/api/v1/`` (api)."""

    prefix: str
    module: str
    order: int = 100

    @property
    def key(self) -> str:
        return self.module


@dataclass(frozen=True)
class ApiSchema:
    """An app's part of the OpenAPI document: tags and stable enum names (drf-spectacular)."""

    key: str
    tags: tuple[dict, ...] = ()
    enum_overrides: dict[str, str] = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class JobKind:
    """A kind of background job (kam.core.jobs, issue 8 §1). ``run(job_run)`` does the work in a
    worker: it reads ``job_run.params``, reports ``job_run.progress(done, total)``, may
    ``job_run.save_file(name, content)``, and returns a JSON-able dict (→ ``Job.result``) or None.
    A ``ValidationError`` it raises fails the job with its messages; any other exception fails it
    with a generic message (the traceback goes to the log)."""

    key: str
    label: Any  # a lazy translation: "Customer import"
    run: Callable[[Any], dict | None]
    order: int = 100
    # the template showing a finished job's result on its page (context: job, result); "" → a
    # table of the result's keys and values
    result_template: str = ""


@dataclass(frozen=True)
class ScheduledJobSpec:
    """A default periodic job (registry key ``scheduled_jobs``): synced into the ``ScheduledJob``
    table after ``migrate`` when no row of that ``key`` exists (admin-editable afterwards, never
    overwritten). It runs the job kind ``kind`` with ``params``, or the django-tasks task at the
    dotted path ``task``, whenever the cron expression ``cron`` (in ``timezone``) is due."""

    key: str
    cron: str
    kind: str = ""
    task: str = ""
    params: dict = field(default_factory=dict)
    timezone: str = "Asia/Shanghai"
    enabled: bool = True
    order: int = 100


@dataclass(frozen=True)
class PermissionCheck:
    """How infrastructure asks "does this user hold permission code X?" without importing the
    org app: ``has(user, code)``. The org app registers the one answer (its ``Access``)."""

    key: str
    has: Callable[[Any, str], bool]
    order: int = 100


@dataclass(frozen=True)
class NotificationKind:
    """A kind of notification (kam.core.notifications): ``key`` (e.g. ``"customers.assigned"``),
    its ``label`` on the preferences page, and the channels it uses until the user chooses
    (``"in_app"``, ``"email"``, ``"wecom"``, ``"dingtalk"``)."""

    key: str
    label: Any
    default_channels: tuple[str, ...] = ("in_app",)
    description: Any = ""
    order: int = 100


@dataclass(frozen=True)
class ChangeNotifier:
    """Turns change-log writes into notifications (kam.core.notifications). ``model`` is the
    ``"app_label.ModelName"`` the changes are *filed under* (a customer: its contacts' changes
    too); ``produce(changes)`` gets every change of one committed transaction filed under such
    objects (:class:`kam.core.notifications.producers.LoggedChange`, grouped per transaction, so
    an import of 100,000 rows is one call) and returns
    :class:`kam.core.notifications.services.Draft` notifications — one per recipient, not one
    per row."""

    key: str
    model: str
    produce: Callable[[list[Any]], list[Any]]
    order: int = 100


# --- the registry -------------------------------------------------------------------------------

KEYS: dict[str, type] = {
    "nav_groups": NavGroup,
    "nav_items": NavItem,
    "home_panels": HomePanel,
    "detail_tabs": DetailTab,
    "permissions": PermissionCode,
    "unit_usage": UnitUsage,
    "owned_items": OwnedItems,
    "changelog_parents": ChangeLogParent,
    "change_events": ChangeEvent,
    "demo_loaders": Loader,
    "gendata_loaders": Loader,
    "bench_cases": BenchCases,
    "urls": UrlMount,
    "api_urls": UrlMount,
    "api_schema": ApiSchema,
    "job_kinds": JobKind,
    "scheduled_jobs": ScheduledJobSpec,
    "permission_checks": PermissionCheck,
    "notification_kinds": NotificationKind,
    "change_notifiers": ChangeNotifier,
}


class Registry:
    """Lists of entries under fixed keys (see the module docstring)."""

    def __init__(self, keys: dict[str, type]) -> None:
        self._types = dict(keys)
        self._items: dict[str, list] = {key: [] for key in keys}

    def _check_key(self, key: str) -> None:
        if key not in self._types:
            raise KeyError("unknown registry key {!r}; the keys are: {}".format(key, ", ".join(sorted(self._types))))

    def register(self, key: str, *items: Any) -> None:
        """Add ``items`` under ``key``."""
        self._check_key(key)
        wanted = self._types[key]
        present = {getattr(i, "key", None) for i in self._items[key]} - {None}
        for item in items:
            if not isinstance(item, wanted):
                raise TypeError(f"registry key {key!r} takes {wanted.__name__} entries, not {type(item).__name__!r}")
            item_key = getattr(item, "key", None)
            if item_key is not None and item_key in present:
                raise ValueError(f"{item_key!r} is already registered under {key!r}")
            present.add(item_key)
            self._items[key].append(item)

    def __getitem__(self, key: str) -> tuple:
        """The entries of ``key``, sorted by ``order`` (stable)."""
        self._check_key(key)
        return tuple(sorted(self._items[key], key=lambda item: getattr(item, "order", 100)))

    def get(self, key: str, item_key: str) -> Any:
        """The entry of ``key`` whose ``key`` is ``item_key`` (KeyError if absent)."""
        for item in self[key]:
            if getattr(item, "key", None) == item_key:
                return item
        raise KeyError(f"{item_key!r} is not registered under {key!r}")

    def keys(self) -> list[str]:
        return list(self._types)

    @contextlib.contextmanager
    def temporary(self, key: str, *items: Any) -> Iterator[None]:
        """Register ``items`` for the duration of a ``with`` block (tests)."""
        self.register(key, *items)
        try:
            yield
        finally:
            for item in items:
                self._items[key].remove(item)


registry = Registry(KEYS)
register = registry.register
