"""A page after a cursor walks the (thread, created_at, seq) index on PostgreSQL, even before the table has
planner statistics (a new table, or one growing faster than autovacuum analyses it)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from chatkit.types import AssistantMessageContent, AssistantMessageItem
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django.utils import timezone

from chatkit_app import models
from chatkit_app.store import paging, rows

pytestmark = pytest.mark.django_db(transaction=True)

ITEMS = 10_000


@pytest.fixture
def long_thread_without_statistics():
    """A 10,000-item thread in an items table PostgreSQL has no statistics for."""
    if connection.vendor != "postgresql":
        pytest.skip("the planner in question is PostgreSQL's")
    now = timezone.now()
    models.Thread.objects.create(thread_id="thr_long", user_id="alice", created_at=now, data={})

    def reply(n: int) -> dict:
        text = "A day in Lisbon. " * 80  # an item's JSON is a kilobyte or two, as replies are
        content = [AssistantMessageContent(text=text)]
        item = AssistantMessageItem(id=f"msg_{n}", thread_id="thr_long", created_at=now, content=content)
        return item.model_dump(mode="json")

    models.Item.objects.bulk_create(
        [
            models.Item(
                thread_id="thr_long",
                item_id=f"msg_{n}",
                user_id="alice",
                type="assistant_message",
                created_at=now + timedelta(seconds=n),
                data=reply(n),
            )
            for n in range(ITEMS)
        ],
        batch_size=2000,
    )
    table = models.Item._meta.db_table
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
            cursor.execute(f"DELETE FROM pg_statistic WHERE starelid = '{table}'::regclass")
            cursor.execute(f"UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE relname = '{table}'")
    except ProgrammingError:
        pytest.skip("clearing planner statistics needs a PostgreSQL superuser")
    yield "thr_long"
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")


def plan_of_the_page_query(thread_id: str, after: str, order: str, *, in_index_order: bool) -> str:
    sent = []

    def record(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        rows.load_thread_items.__wrapped__(thread_id, after, 20, order, "alice")
    sql, params = next((sql, params) for sql, params in sent if '"data"' in sql)
    sql = sql.removeprefix(paging.WALK_THE_INDEX)
    with paging.in_index_order(in_index_order), connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_a_page_after_a_cursor_walks_the_index_without_planner_statistics(long_thread_without_statistics, order):
    thread_id = long_thread_without_statistics

    plan = plan_of_the_page_query(thread_id, f"msg_{ITEMS // 2}", order, in_index_order=True)

    assert "Index Scan" in plan and "item_thread_created" in plan and "Sort" not in plan, plan
    page = rows.load_thread_items.__wrapped__(thread_id, f"msg_{ITEMS // 2}", 20, order, "alice")
    step = 1 if order == "asc" else -1
    assert [i.id for i in page.data] == [f"msg_{ITEMS // 2 + step * n}" for n in range(1, 21)]


def test_left_to_its_guesses_the_planner_would_sort_the_whole_rest_of_the_thread(long_thread_without_statistics):
    """Why the settings are sent: the premise of the test above."""
    plan = plan_of_the_page_query(long_thread_without_statistics, f"msg_{ITEMS // 2}", "asc", in_index_order=False)

    assert "Sort" in plan, plan
