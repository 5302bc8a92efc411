#!/usr/bin/env python
"""Usage dashboard benchmark: the admin's dashboard over 1,000,000 replies on PostgreSQL.

Seeds a database of its own once (`merak_bench_dashboard` by default, kept for the next run):
20,000 threads of 5,000 users, a year of replies (1,000,000 by default, about 2,700 a day,
on four models, one in twenty offline, some failed, cancelled, stopped or expired) and
100,000 feedback rows. Then times, for each preset period, the dashboard's figures alone
(`console.usage.figures`, its six queries) and the whole page as the admin serves it
(through Django's test client logged in as a superuser: figures, charts, template). Each
round requests every period once, in turn; medians with min and max.

    .venv/bin/python bench/admin_dashboard.py [--url postgres://postgres@127.0.0.1:5432/merak_bench_dashboard]
        [--replies 1000000] [--rounds 10] [--explain]

--explain prints EXPLAIN ANALYZE of each figures query. Drop the database with
`dropdb -h 127.0.0.1 -U postgres merak_bench_dashboard`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.admin_support import operator_client, use_database  # noqa: E402

URL = "/admin/chatkit_app/usage/"
THREADS, USERS, FEEDBACK = 20_000, 5_000, 100_000
PERIODS = {"last 7 days": 7, "last 30 days": 30, "last 90 days": 90, "a year": 365}

# A year of replies, `%(n)s` of them, spread evenly back from now; figures vary with the row number.
REPLIES_SQL = f"""
INSERT INTO chatkit_app_reply (thread_id, user_id, item_id, request_type, model, offline, input_tokens,
    cached_tokens, output_tokens, requests, tool_calls, first_token_ms, total_ms, outcome, error_code, cost, started_at)
SELECT 'thr_bench' || lpad((1 + g %% {THREADS})::text, 6, '0'), 'user_' || ((1 + g %% {THREADS}) %% {USERS}),
    'msg_bench' || g, 'threads.add_user_message', model, model = 'merak-offline-planner',
    input, cached, output, 1, g %% 3, 300 + g %% 900, 2000 + (g * 31) %% 9000, outcome,
    CASE WHEN outcome = 'failed' THEN 'rate_limited' ELSE '' END,
    CASE model
        WHEN 'gpt-4.1-mini' THEN ((input - cached) * 0.4 + cached * 0.1 + output * 1.6) / 1000000
        WHEN 'gpt-4.1' THEN ((input - cached) * 2.0 + cached * 0.5 + output * 8.0) / 1000000
    END,
    now() - (g::float / %(n)s * 365) * interval '1 day'
FROM (
    SELECT g,
        CASE WHEN g %% 20 = 0 THEN 'merak-offline-planner' WHEN g %% 7 = 0 THEN 'o4-mini'
             WHEN g %% 3 = 0 THEN 'gpt-4.1' ELSE 'gpt-4.1-mini' END AS model,
        1000 + (g * 7919) %% 9000 AS input,
        CASE WHEN g %% 2 = 0 THEN (1000 + (g * 7919) %% 9000) / 2 ELSE 0 END AS cached,
        100 + (g * 104729) %% 1500 AS output,
        CASE WHEN g %% 50 = 0 THEN 'failed' WHEN g %% 53 = 0 THEN 'cancelled' WHEN g %% 97 = 0 THEN 'stopped'
             WHEN g %% 199 = 0 THEN 'expired' ELSE 'done' END AS outcome
    FROM generate_series(1::bigint, %(n)s) AS g
) AS r
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/merak_bench_dashboard")
    parser.add_argument("--replies", type=int, default=1_000_000, help="replies to seed into an empty database")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each figures query")
    args = parser.parse_args()

    use_database(args.url)
    prepare(args.replies)
    if args.explain:
        explain()
    from django.utils import timezone

    from chatkit_app.console.usage import Period, figures

    today = timezone.localdate()
    client = operator_client()
    timings: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for label, days in PERIODS.items():
            started = time.perf_counter()
            figures(Period.last(days, today))
            timings.setdefault(f"figures, {label}", []).append((time.perf_counter() - started) * 1000)
        for label, days in PERIODS.items():
            period = Period.last(days, today)
            query = f"days={days}" if days != 365 else f"start={period.start}&end={period.end}"
            started = time.perf_counter()
            response = client.get(f"{URL}?{query}")
            timings.setdefault(f"page, {label}", []).append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (label, response.status_code)
    print(f"\n{args.rounds} rounds, ms (median, min, max):")
    for label, values in timings.items():
        print(f"  {label:<26} {statistics.median(values):8.1f} {min(values):8.1f} {max(values):8.1f}")


def prepare(replies: int) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    from chatkit_app.models import Reply

    setup_test_environment()  # the test client's host is allowed
    call_command("migrate", verbosity=0)
    if not Reply.objects.exists():
        started = time.monotonic()
        seed(replies)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"seeded in {time.monotonic() - started:.0f} s")
    print(f"{Reply.objects.count():,} replies")


def seed(replies: int) -> None:
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    from chatkit_app.models import Feedback, Item, Thread

    now = timezone.now()
    with transaction.atomic():
        Thread.objects.bulk_create(
            Thread(
                thread_id=f"thr_bench{n:06d}", user_id=f"user_{n % USERS}", title=f"Trip {n}", created_at=now, data={}
            )
            for n in range(1, THREADS + 1)
        )
        with connection.cursor() as cursor:
            cursor.execute(REPLIES_SQL, {"n": replies})
        answers = Item.objects.bulk_create(
            (
                Item(
                    thread_id=f"thr_bench{1 + n % THREADS:06d}",
                    item_id=f"msg_fb{n}",
                    user_id=f"user_{(1 + n % THREADS) % USERS}",
                    type="assistant_message",
                    created_at=now,
                    data={},
                )
                for n in range(FEEDBACK)
            ),
            batch_size=5000,
        )
        kinds = ["positive"] * 4 + ["negative"]
        Feedback.objects.bulk_create(
            (Feedback(item=item, user_id=item.user_id, kind=kinds[n % 5]) for n, item in enumerate(answers)),
            batch_size=5000,
        )
        for n in range(365):  # feedback spread over the year, as replies are
            Feedback.objects.filter(id__in=[a.pk for a in answers[n::365]]).update(created_at=now - timedelta(days=n))


def explain() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from chatkit_app.console.usage import Period, figures

    with CaptureQueriesContext(connection) as captured:
        figures(Period.last(90, timezone.localdate()))
    for entry in captured.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + entry["sql"])
            print(f"--- {entry['sql'][:200]}\n" + "\n".join(line for (line,) in cursor.fetchall()))


if __name__ == "__main__":
    main()
