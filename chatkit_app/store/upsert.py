"""Owner-guarded upserts in one statement, for the store's hot path.

`INSERT ... ON CONFLICT DO UPDATE ... WHERE <same owner>` says in one round
trip what the ORM needs three for (look, update, insert): write the row unless
another user owns it. SQLite (3.24+) and PostgreSQL both speak it. Values are
prepared by the model's own fields, so they are stored exactly as the ORM
would store them.

PostgreSQL's text and jsonb cannot hold U+0000, which a model's reply may
contain: such a write is retried with each NUL replaced by U+FFFD, so that the
reply is stored rather than lost. SQLite stores NUL as it is.
"""

from __future__ import annotations

from typing import Any

from django.db import DataError, connection
from django.db.models import Model

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


def _prepared(model: type[Model], values: dict[str, Any]) -> tuple[list[str], list[Any]]:
    columns, params = [], []
    for name, value in values.items():
        field = model._meta.get_field(name)
        columns.append(field.column)
        params.append(field.get_db_prep_save(value, connection))
    return columns, params


def upsert_owned(
    model: type[Model],
    values: dict[str, Any],
    *,
    conflict: tuple[str, ...],
    update: tuple[str, ...],
    parent: tuple[type[Model], dict[str, Any]] | None = None,
) -> bool:
    """Insert `values`, or update `update` of the row clashing on `conflict` if it has the same `user_id`.

    With `parent=(Model, filters)` the row is only written while such a parent
    row exists (checked in the same statement). False when nothing was
    written: the row or the parent belongs to someone else, or no parent.
    """
    try:
        return _upsert_owned(model, values, conflict=conflict, update=update, parent=parent)
    except DataError:
        if connection.vendor != "postgresql" or (clean := without_nul(values)) == values:
            raise
    return _upsert_owned(model, clean, conflict=conflict, update=update, parent=parent)


def _upsert_owned(
    model: type[Model],
    values: dict[str, Any],
    *,
    conflict: tuple[str, ...],
    update: tuple[str, ...],
    parent: tuple[type[Model], dict[str, Any]] | None,
) -> bool:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns, params = _prepared(model, values)
    column_of = {name: model._meta.get_field(name).column for name in (*conflict, *update, "user_id")}
    placeholders = ", ".join(["%s"] * len(columns))
    if parent is None:
        source = f"VALUES ({placeholders})"
    else:
        parent_model, filters = parent
        parent_columns, parent_params = _prepared(parent_model, filters)
        condition = " AND ".join(f"{quote(column)} = %s" for column in parent_columns)
        source = (
            f"SELECT {placeholders} WHERE EXISTS "
            f"(SELECT 1 FROM {quote(parent_model._meta.db_table)} WHERE {condition})"
        )
        params += parent_params
    assignments = ", ".join(f"{quote(column_of[name])} = excluded.{quote(column_of[name])}" for name in update)
    owner = quote(column_of["user_id"])
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) {source} "
        f"ON CONFLICT ({', '.join(quote(column_of[name]) for name in conflict)}) "
        f"DO UPDATE SET {assignments} WHERE {table}.{owner} = excluded.{owner}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount > 0
