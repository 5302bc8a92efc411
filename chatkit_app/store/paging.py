"""Keyset pagination for the store: pages in (created_at, seq) order after a cursor row, by the index."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal, Protocol, TypeVar

from chatkit.store import NotFoundError
from chatkit.types import Page
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, DateTimeField, F, Func, QuerySet, Value
from django.db.models.sql.compiler import SQLCompiler

Order = Literal["asc", "desc"]


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


# What a page holds: a row's JSON as `parse` makes it (an SDK thread or item), named by its id.
Row = TypeVar("Row", bound=_Identified)


class CursorNotFoundError(NotFoundError, ValueError):
    """The `after` cursor names no row of this user (the SDK's store raises ValueError)."""


def keyset_page(
    qs: QuerySet[Any], key: str, after: str | None, limit: int, order: Order, parse: Callable[[Any], Row]
) -> Page[Row]:
    """A page of `qs` in (created_at, seq) order, after the row whose `key` is `after`.

    `CursorNotFoundError` when no row of `qs` has that key. With a cursor, the
    page is a range of the (..., created_at, seq) index that both models have,
    read in index order: see `in_index_order`.
    """
    if after is not None:
        # Unordered: the key is unique, and ordering the lookup could only mislead the planner.
        cursor = next(iter(qs.filter(**{key: after}).order_by().values_list("created_at", "seq")[:1]), None)
        if cursor is None:
            raise CursorNotFoundError(f"{qs.model.__name__} {after} not found")
        qs = qs.filter(_Beyond(*cursor, descending=order == "desc"))
    ordering = ("-created_at", "-seq") if order == "desc" else ("created_at", "seq")
    with in_index_order(after is not None):
        rows = list(qs.order_by(*ordering).values_list("data", flat=True)[: limit + 1])
    has_more = len(rows) > limit
    data = [parse(row) for row in rows[:limit]]
    return Page(data=data, has_more=has_more, after=data[-1].id if has_more and data else None)


class _Beyond(Func):
    """`(created_at, seq) > (cursor)`, or `<` going down: one comparison that the index answers whole."""

    output_field = BooleanField()

    def __init__(self, created_at: datetime, seq: int, *, descending: bool) -> None:
        super().__init__(F("created_at"), F("seq"), Value(created_at, output_field=DateTimeField()), Value(seq))
        self.comparison = "<" if descending else ">"

    # The override the stubs allow differs twice: their `as_sql` returns the parameters as a
    # `tuple[str | int, ...]`, where Django 5.2's own expressions return a list of any values (a
    # datetime here); and this SQL is fixed, so it takes none of `Func`'s template arguments.
    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        compiled = [compiler.compile(expression) for expression in self.get_source_expressions()]
        (created_at, seq, cursor_created_at, cursor_seq) = (sql for sql, _ in compiled)
        params = [param for _, params in compiled for param in params]
        return f"({created_at}, {seq}) {self.comparison} ({cursor_created_at}, {cursor_seq})", params


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
