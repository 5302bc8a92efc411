"""Keyset pagination for the store: pages in (created_at, seq) order after a cursor row, by the index."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal, Protocol, TypeVar

from chatkit.store import NotFoundError
from chatkit.types import Page
from django.db import connection
from django.db.models import Model

from chatkit_app.store.sql import field_column, matching

Order = Literal["asc", "desc"]


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


# What a page holds: a row's JSON as `parse` makes it (an SDK thread or item), named by its id.
Row = TypeVar("Row", bound=_Identified)


class CursorNotFoundError(NotFoundError, ValueError):
    """The `after` cursor names no row of this user (the SDK's store raises ValueError)."""


def keyset_page(
    model: type[Model],
    filters: dict[str, Any],
    key: str,
    after: str | None,
    limit: int,
    order: Order,
    parse: Callable[[str], Row],
) -> Page[Row]:
    """A page of `model`'s rows matching `filters` in (created_at, seq) order, after the row whose `key` is `after`.

    `parse` reads a row's `data` (JSON text) into an SDK thread or item.
    `CursorNotFoundError` when no such row has that key. With a cursor, the
    page is a range of the (..., created_at, seq) index that both models
    have, read in index order: see `in_index_order`.

    Written out as SQL (column names read from the model): the client reads
    pages after every reply, and the ORM's compiling of these queries was two
    thirds of a page's CPU (a page of three items on PostgreSQL, with the
    hand-off to the database thread: 515 -> 182 µs, `bench/micro.py`). Each
    row's JSON goes to pydantic as text, unparsed.
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    where, params = matching(model, filters)
    created_at, seq = (quote(field_column(model, name)[0]) for name in ("created_at", "seq"))
    descending = order == "desc"
    with connection.cursor() as cursor:
        if after is not None:
            # Unordered: the key is unique, and ordering the lookup could only mislead the planner.
            cursor.execute(
                f"SELECT {created_at}, {seq} FROM {table} WHERE {where} AND {quote(field_column(model, key)[0])} = %s",
                [*params, after],
            )
            found = cursor.fetchone()
            if found is None:
                raise CursorNotFoundError(f"{model.__name__} {after} not found")
            # One comparison of (created_at, seq) that the index answers whole; the cursor row's own values,
            # as the database gave them.
            where += f" AND ({created_at}, {seq}) {'<' if descending else '>'} (%s, %s)"
            params += found
        direction = " DESC" if descending else ""
        data = quote(field_column(model, "data")[0])
        sql = (
            f"SELECT {data} FROM {table} WHERE {where} "
            f"ORDER BY {created_at}{direction}, {seq}{direction} LIMIT {int(limit) + 1}"
        )
        with in_index_order(after is not None):
            cursor.execute(sql, params)
            rows = [row for (row,) in cursor.fetchall()]
    has_more = len(rows) > limit
    page = [parse(row) for row in rows[:limit]]
    return Page(data=page, has_more=has_more, after=page[-1].id if has_more and page else None)


# Sent with a paged read on PostgreSQL, in the same message: statements sent together run as one
# transaction, so these settings hold for that read alone, at no extra round trip.
WALK_THE_INDEX = "SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off; "


def _walking_the_index(execute, sql, params, many, context):
    """A query that PostgreSQL must answer by walking an index in order (see `in_index_order`)."""
    result = execute(WALK_THE_INDEX + sql, params, many, context)
    cursor = context["cursor"]
    while cursor.description is None and cursor.nextset():
        pass  # past the settings' results, to the query's rows
    return result


@contextmanager
def in_index_order(paging: bool) -> Iterator[None]:
    """On PostgreSQL, a page after a cursor is read by walking the index, whatever the planner's statistics say.

    Without statistics (a new table, or one that grew faster than autovacuum
    analyses it) PostgreSQL guesses that a thread holds a handful of rows, and
    reads all of a long thread's rows after the cursor to sort them: 3-18 ms
    for a 10,000-item thread, against under 1 ms walking the index. Told that
    it may neither sort nor scan a bitmap, it walks the index.
    """
    if not paging or connection.vendor != "postgresql":
        yield
        return
    with connection.execute_wrapper(_walking_the_index):
        yield
