#!/usr/bin/env python
"""Paging benchmark: the store's page after a cursor on a 10,000-item thread, on PostgreSQL.

Builds a database of its own (dropped at the end) holding one 10,000-item
thread among 20 others, then times the page of 20 items after the middle item
(the store's `rows.load_thread_items`), first on a table PostgreSQL
has no planner statistics for, then after ANALYZE. Rounds alternate the
store's query (sent with the settings that keep PostgreSQL walking the index)
and the same query left to the planner; medians with min and max.

    .venv/bin/python bench/items_page.py [--url postgres://postgres@127.0.0.1:5432/postgres] [--rounds 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    import psycopg

    name = f"merak_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        os.environ["DATABASE_URL"] = args.url.rsplit("/", 1)[0] + f"/{name}"
        os.environ["DATABASE_POOL"] = "false"
        os.environ["DJANGO_SETTINGS_MODULE"] = "merak_project.settings"
        run(args.rounds)
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(args.url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name}")


def run(rounds: int) -> None:
    import django

    django.setup()
    from chatkit.types import AssistantMessageContent, AssistantMessageItem
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from chatkit_app import models
    from chatkit_app.store import paging, rows

    call_command("migrate", verbosity=0)
    now = timezone.now()
    for t in range(21):
        thread_id, count = f"thr_{t}", 10_000 if t == 0 else 300
        models.Thread.objects.create(thread_id=thread_id, user_id="alice", created_at=now, data={})
        models.Item.objects.bulk_create(
            [
                models.Item(
                    thread_id=thread_id,
                    item_id=f"msg_{t}_{n}",
                    user_id="alice",
                    type="assistant_message",
                    created_at=now + timedelta(seconds=n),
                    data=AssistantMessageItem(
                        id=f"msg_{t}_{n}",
                        thread_id=thread_id,
                        created_at=now,
                        content=[AssistantMessageContent(text="A day in Lisbon. " * 80)],
                    ).model_dump(mode="json"),
                )
                for n in range(count)
            ],
            batch_size=2000,
        )
    table = models.Item._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
        cursor.execute(f"DELETE FROM pg_statistic WHERE starelid = '{table}'::regclass")
        cursor.execute(f"UPDATE pg_class SET reltuples = -1, relpages = 0 WHERE relname = '{table}'")

    page = rows.load_thread_items.__wrapped__
    planner_alone = paging.in_index_order

    def measure() -> dict[str, list[float]]:
        times: dict[str, list[float]] = {"store": [], "planner alone": []}
        for _ in range(rounds):
            for label in times:
                started = time.perf_counter()
                if label == "store":
                    page("thr_0", "msg_0_5000", 20, "asc", "alice")
                else:
                    paging.in_index_order = lambda _paging: planner_alone(False)  # type: ignore[assignment]
                    try:
                        page("thr_0", "msg_0_5000", 20, "asc", "alice")
                    finally:
                        paging.in_index_order = planner_alone
                times[label].append((time.perf_counter() - started) * 1000)
        return times

    for when in ("no statistics", "after ANALYZE"):
        if when == "after ANALYZE":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {table}")
        for label, samples in measure().items():
            print(
                f"{when:14} {label:14} median {statistics.median(samples):6.2f} ms"
                f"  (min {min(samples):.2f}, max {max(samples):.2f})"
            )


if __name__ == "__main__":
    main()
