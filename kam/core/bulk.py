"""Bulk inserts for the importer and the change log: :func:`insert_many` is
``Model.objects.bulk_create`` without the ORM's per-value SQL compilation on SQLite.

Django's ``bulk_create`` compiles every value of every row through the insert compiler and
batches at most 999 parameters per statement on SQLite (about 20 customer rows): for 100,000
rows with 45 columns that is most of an import's write time. On SQLite :func:`insert_many`
prepares each value with the field's own ``pre_save`` / ``get_db_prep_save`` (the same
conversions the ORM applies) and sends one multi-row ``INSERT … RETURNING id`` per up to 1,000
rows (as many as SQLite's parameter limit allows), setting the ids it returns — as
``bulk_create`` does. Elsewhere (PostgreSQL, objects that have ids) it is ``bulk_create``.

:class:`CleanCache` is ``full_clean`` for an import's many rows, each distinct value of a field
cleaned once.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connections, models, router
from django.db.models.expressions import DatabaseDefault


def insert_many(model: type[models.Model], objs: Sequence[Any], *, batch_size: int = 1000) -> Sequence[Any]:
    """Insert ``objs`` (new instances of ``model``) and set their ids; returns ``objs``."""
    if not objs:
        return objs
    db = router.db_for_write(model)
    connection = connections[db]
    opts = model._meta
    pk = opts.pk
    if (
        connection.vendor != "sqlite"
        or not isinstance(pk, models.AutoField | models.BigAutoField)
        or any(o.pk is not None for o in objs)
    ):
        return model._default_manager.bulk_create(objs, batch_size=batch_size)
    fields = [f for f in opts.concrete_fields if not f.primary_key and not getattr(f, "generated", False)]
    if any(f.db_returning or f.db_default is not models.NOT_PROVIDED for f in fields):
        return model._default_manager.bulk_create(objs, batch_size=batch_size)  # values the database makes
    auto = [isinstance(f, models.DateField) and (f.auto_now or f.auto_now_add) for f in fields]
    # a text field's prepared value is the text itself: no per-value call for those
    as_is = [_text_as_is(f) for f in fields]
    for o in objs:
        o._prepare_related_fields_for_save(operation_name="insert_many")
    qn = connection.ops.quote_name
    head = "INSERT INTO {} ({}) VALUES ".format(qn(opts.db_table), ", ".join(qn(f.column) for f in fields))
    tail = f" RETURNING {qn(pk.column)}"
    one = "({})".format(", ".join("%s" for _f in fields))
    per = max(1, min(batch_rows(connection), _max_params(connection) // len(fields)))
    sqls: dict[int, str] = {}
    with connection.cursor() as cur:
        for start in range(0, len(objs), per):
            chunk = objs[start : start + per]
            params = []
            for o in chunk:
                values = o.__dict__
                for f, a, plain in zip(fields, auto, as_is, strict=True):
                    value = f.pre_save(o, True) if a else values.get(f.attname, _MISSING)
                    if value is _MISSING:
                        value = getattr(o, f.attname)
                    params.append(value if plain and type(value) is str else f.get_db_prep_save(value, connection))
            sql = sqls.get(len(chunk))
            if sql is None:
                sql = sqls[len(chunk)] = head + ", ".join([one] * len(chunk)) + tail
            cur.execute(sql, params)
            ids = [r[0] for r in cur.fetchall()]
            if len(ids) != len(chunk):  # pragma: no cover
                raise RuntimeError(f"insert_many: the database returned {len(ids)} ids for {len(chunk)} rows")
            for o, pk_value in zip(chunk, ids, strict=True):
                o.pk = pk_value
                o._state.adding = False
                o._state.db = db
    return objs


_MISSING = object()


def _text_as_is(f: models.Field) -> bool:
    """Does ``f`` store a ``str`` value unchanged (CharField, TextField and their subclasses
    that convert nothing: EmailField, URLField …)?"""
    cls = type(f)
    return (
        cls.get_prep_value in (models.CharField.get_prep_value, models.TextField.get_prep_value)
        and cls.get_db_prep_value is models.Field.get_db_prep_value
        and cls.get_db_prep_save is models.Field.get_db_prep_save
    )


def batch_rows(connection) -> int:
    return 1000


def _max_params(connection) -> int:
    """SQLite's limit on a statement's parameters (32,766 since 3.32; Django assumes 999)."""
    import sqlite3

    connection.ensure_connection()
    try:
        return int(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    except (AttributeError, sqlite3.Error):  # pragma: no cover - Python < 3.11
        return connection.features.max_query_params


_CACHEABLE = (str, int, float, decimal.Decimal, dt.date, bool)


class CleanCache:
    """``obj.full_clean(exclude, validate_unique=…)`` for many rows of an import, with each
    (field, value) cleaned once: a field's ``clean`` — ``to_python``, its choices, ``blank`` /
    ``null`` and its validators — depends on the value alone (relations, which query, are
    cleaned every time), and an import repeats most values (a nature, a city, a postcode). The
    same checks, in the same order, with the same messages as :meth:`Model.full_clean`."""

    def __init__(self, per_field: int = 2_000) -> None:
        # per field: value → (valid, cleaned value or error list); a field stops remembering new
        # values after ``per_field`` distinct ones (names, e-mails: each value is seen once, so
        # remembering them would only hold memory)
        self.memo: dict[models.Field, dict[tuple, tuple[bool, Any]]] = {}
        self.per_field = per_field

    def full_clean(
        self, obj: models.Model, exclude: Iterable[str] | None = None, *, validate_unique: bool = False
    ) -> None:
        skip = set(exclude or ())
        errors: dict[str, Any] = {}
        memo = self.memo
        field_errors: dict[str, list] = {}
        for f in obj._meta.fields:
            if f.name in skip or f.generated:
                continue
            raw = getattr(obj, f.attname)
            if f.blank and raw in f.empty_values:
                continue
            if isinstance(raw, DatabaseDefault):
                continue
            if f.is_relation or not isinstance(raw, _CACHEABLE):
                try:
                    setattr(obj, f.attname, f.clean(raw, obj))
                except ValidationError as e:
                    field_errors[f.name] = e.error_list
                continue
            seen = memo.get(f)
            if seen is None:
                seen = memo[f] = {}
            key = (type(raw), raw)
            hit = seen.get(key)
            if hit is None:
                try:
                    hit = (True, f.clean(raw, obj))
                except ValidationError as e:
                    hit = (False, e.error_list)
                if len(seen) < self.per_field:
                    seen[key] = hit
            ok, value = hit
            if ok:
                setattr(obj, f.attname, value)
            else:
                field_errors[f.name] = list(value)
        if field_errors:
            errors = ValidationError(field_errors).update_error_dict(errors)
        try:
            obj.clean()
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        skip |= {name for name in errors if name != NON_FIELD_ERRORS}
        if validate_unique:
            try:
                obj.validate_unique(exclude=skip)
            except ValidationError as e:
                errors = e.update_error_dict(errors)
        try:
            obj.validate_constraints(exclude=skip)
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
