#!/usr/bin/env python
"""Thread list benchmark: the admin's first page of threads on a large seeded PostgreSQL database.

Seeds a database of its own once (`merak_bench` by default, kept for the next run:
`manage.py seed_threads`, 100,000 threads of about 10 items), then times the thread
changelist as the admin serves it, through Django's test client logged in as a
superuser: the first page, searches, 👎 pressed in the past 7 days, and the other
filters. Each round requests every page once, in turn; medians with min and max.

    .venv/bin/python bench/admin_thread_list.py [--url postgres://postgres@127.0.0.1:5432/merak_bench]
        [--threads 100000] [--rounds 15] [--explain]

--explain prints EXPLAIN ANALYZE of each page's queries. Drop the database with
`dropdb -h 127.0.0.1 -U postgres merak_bench`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.admin_support import operator_client, use_database  # noqa: E402

URL = "/admin/chatkit_app/thread/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/merak_bench")
    parser.add_argument("--threads", type=int, default=100_000, help="threads to seed into an empty database")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each page's queries")
    args = parser.parse_args()

    use_database(args.url)
    prepare(args.threads)
    pages = pages_to_time()
    client = operator_client()
    for label, query in pages.items():
        queries, shown = profile(client, query, args.explain)
        print(f"{label}: {shown} threads on the page, {queries} queries")
    timings: dict[str, list[float]] = {label: [] for label in pages}
    for _ in range(args.rounds):
        for label, query in pages.items():
            started = time.perf_counter()
            response = client.get(f"{URL}?{query}")
            timings[label].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (label, response.status_code)
    print(f"\n{args.rounds} rounds, ms per page (median, min, max):")
    for label, values in timings.items():
        print(f"  {label:<34} {statistics.median(values):7.1f} {min(values):7.1f} {max(values):7.1f}")


def prepare(threads: int) -> None:
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    from chatkit_app.models import Item, Thread

    setup_test_environment()  # the test client's host is allowed
    call_command("migrate", verbosity=0)
    if not Thread.objects.exists():
        started = time.monotonic()
        call_command("seed_threads", threads=threads, items_per_thread=10, seed=1, verbosity=0)
        print(f"seeded in {time.monotonic() - started:.0f} s")
    print(f"{Thread.objects.count():,} threads, {Item.objects.count():,} items")


def pages_to_time() -> dict[str, str]:
    from django.utils import timezone

    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    last_week = {"updated_at__gte": str(today - timedelta(days=7)), "updated_at__lt": str(today + timedelta(days=1))}
    return {
        "first page": "",
        "page 20": "p=19",
        "search 'Kyoto' (1 thread in 60)": "q=Kyoto",
        "search 'refund' (rare)": "q=refund",
        "search a thread id": "q=thr_seed0012345",
        "👎 pressed in the past 7 days": urlencode({"feedback": "negative", **last_week}),
        "last activity in the past 7 days": urlencode(last_week),
        "a reply failed": "outcome=failed",
        "the last reply failed": "outcome=last-failed",
        "model gpt-4.1": "model=gpt-4.1",
        "👎 + search 'Kyoto'": "feedback=negative&q=Kyoto",
    }


def profile(client: Any, query: str, explain: bool) -> tuple[int, int]:
    """The page's number of queries and of threads shown; with `explain`, each query's plan."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{URL}?{query}")
    assert response.status_code == 200, response.status_code
    if explain:
        print(f"\n=== ?{query}")
        for entry in captured.captured_queries:
            if entry["sql"].startswith("SELECT") and "chatkit_app" in entry["sql"]:
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + entry["sql"])
                    print(f"--- {entry['sql'][:300]}\n" + "\n".join(line for (line,) in cursor.fetchall()))
    return len(captured.captured_queries), len(response.context["cl"].result_list)


if __name__ == "__main__":
    main()
