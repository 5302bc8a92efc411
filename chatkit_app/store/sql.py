"""Statements written out, where having the ORM compile them would be most of their cost.

Here: the store's writes (one owner-guarded upsert each), its read of a
row's JSON by its key, and a plain INSERT of a new row (a reply's usage).
The lease (`guards.leases`), client secrets (`identity.tokens`) and pages
(`store.paging`) write theirs beside their logic. All name tables and
columns through the models (`field_column`, `_meta`), so a renamed field
renames them in the SQL. Compiled by the ORM, a page or a secret's look-up
took about 515 µs of CPU a call; written out, 175-180 µs (hand-off to the
database thread included: `bench/micro.py`).
"""

from __future__ import annotations

import functools
from typing import Any, cast

from django.db import DataError, connection
from django.db.models import Field, Model


def field_column(model: type[Model], name: str) -> tuple[str, Field[Any, Any]]:
    """The column of `model`'s field `name`, and the field."""
    # Casts: the names used here are the models' concrete fields, which have a column. The stubs'
    # `get_field()` also allows a reverse relation, and their `Field.column` a field without one.
    field = cast("Field[Any, Any]", model._meta.get_field(name))
    return cast(str, field.column), field


def matching(model: type[Model], filters: dict[str, Any]) -> tuple[str, list[Any]]:
    """A WHERE condition (without the keyword) for rows whose fields equal `filters`, and its parameters."""
    quote = connection.ops.quote_name
    return " AND ".join(f"{quote(field_column(model, name)[0])} = %s" for name in filters), list(filters.values())


def data_of(model: type[Model], **filters: str) -> str | None:
    """The JSON text (`data`) of the row matching `filters`, a unique key; None when there is none.

    Pydantic then reads the text itself, unparsed."""
    quote = connection.ops.quote_name
    where, params = matching(model, filters)
    sql = f"SELECT {quote(field_column(model, 'data')[0])} FROM {quote(model._meta.db_table)} WHERE {where} LIMIT 1"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    return None if found is None else cast(str, found[0])


NUL, REPLACEMENT = "\x00", "\ufffd"


def without_nul(value: Any) -> Any:
    """`value` (JSON-like: strings, lists, dicts) with every NUL replaced by U+FFFD."""
    if isinstance(value, str):
        return value.replace(NUL, REPLACEMENT)
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [without_nul(item) for item in value]
    return value


def insert(row: Model) -> None:
    """INSERT `row`, a new model instance, as `row.save()` would (its fields' defaults and `pre_save` applied),
    without reading its new id back: the ORM's save took about a third more CPU (`bench/micro.py`)."""
    fields, sql = _insert_of(type(row), connection.vendor)
    params = [field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@functools.cache
def _insert_of(model: type[Model], vendor: str) -> tuple[list[Field[Any, Any]], str]:
    meta, quote = model._meta, connection.ops.quote_name
    fields = [field for field in meta.local_concrete_fields if field is not meta.auto_field]
    columns = ", ".join(quote(cast(str, field.column)) for field in fields)  # concrete fields: each has one
    placeholders = ", ".join(["%s"] * len(fields))
    return fields, f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"


def _prepared(model: type[Model], values: dict[str, Any]) -> tuple[list[str], list[Any]]:
    columns, params = [], []
    for name, value in values.items():
        column, field = field_column(model, name)
        columns.append(column)
        params.append(field.get_db_prep_save(value, connection))
    return columns, params


def upsert_owned(
    model: type[Model],
    values: dict[str, Any],
    *,
    conflict: tuple[str, ...],
    update: tuple[str, ...],
    parent: tuple[type[Model], dict[str, Any]] | None = None,
    lapsed: tuple[str, str] | None = None,
) -> bool:
    """Insert `values`, or update `update` of the row clashing on `conflict` if it has the same `user_id`.

    With `parent=(Model, filters)` the row is only written while such a parent
    row exists (checked in the same statement). With `lapsed=(expiry, start)`
    the clashing row is only updated once its `expiry` is at or before the
    new row's `start` (a lease taken over). False when nothing was written:
    the row or the parent belongs to someone else, no parent, or not lapsed.
    """
    try:
        return _upsert_owned(model, values, conflict=conflict, update=update, parent=parent, lapsed=lapsed)
    except DataError:
        if connection.vendor != "postgresql" or (clean := without_nul(values)) == values:
            raise
    return _upsert_owned(model, clean, conflict=conflict, update=update, parent=parent, lapsed=lapsed)


def _upsert_owned(
    model: type[Model],
    values: dict[str, Any],
    *,
    conflict: tuple[str, ...],
    update: tuple[str, ...],
    parent: tuple[type[Model], dict[str, Any]] | None,
    lapsed: tuple[str, str] | None,
) -> bool:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns, params = _prepared(model, values)
    column_of = {name: field_column(model, name)[0] for name in (*conflict, *update, "user_id")}
    placeholders = ", ".join(["%s"] * len(columns))
    if parent is None:
        source = f"VALUES ({placeholders})"
    else:
        parent_model, filters = parent
        parent_columns, parent_params = _prepared(parent_model, filters)
        condition = " AND ".join(f"{quote(column)} = %s" for column in parent_columns)
        source = (
            f"SELECT {placeholders} WHERE EXISTS (SELECT 1 FROM {quote(parent_model._meta.db_table)} WHERE {condition})"
        )
        params += parent_params
    assignments = ", ".join(f"{quote(column_of[name])} = excluded.{quote(column_of[name])}" for name in update)
    owner = quote(column_of["user_id"])
    condition = f"{table}.{owner} = excluded.{owner}"
    if lapsed is not None:
        expiry, start = (quote(field_column(model, name)[0]) for name in lapsed)
        condition += f" AND {table}.{expiry} <= excluded.{start}"
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) {source} "
        f"ON CONFLICT ({', '.join(quote(column_of[name]) for name in conflict)}) "
        f"DO UPDATE SET {assignments} WHERE {condition}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount > 0
