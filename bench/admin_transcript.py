#!/usr/bin/env python
"""Admin transcript benchmark: a 1,000-item thread's admin page, on SQLite and on PostgreSQL (when reachable).

Builds a database of its own (dropped at the end) holding one thread of 250
planner turns: a question, the workflow of its tool calls, the real itinerary
card (`agents_app.widgets`) and a Markdown answer of the planner's length;
a reply record each, feedback on every third. Then times the thread's admin
page, signed in as a superuser (Django's test client: the whole request,
middleware, queries, template), and the transcript alone; medians with min
and max, the number of queries and the page's size.

    .venv/bin/python bench/admin_transcript.py [--rounds 15] [--turns 250]
        [--pg-url postgres://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

EPOCH = datetime(2025, 1, 1, tzinfo=UTC)

ANSWER = """(Offline planner — no AI model is configured.)

**3 days in Lisbon, Portugal: Friday 24 December to Sunday, 26 December 2027**

- Lisbon: population 517,802; currency Euro (EUR); time zone Europe/Lisbon.
- Daylight on Friday 24 December: sunrise 07:53, sunset 17:20 (9h 27m).
- ⚠ Saturday 25 December is a public holiday in Portugal (Christmas Day).

**Day 1 — Friday 24 December:** Arrive and settle in; an unhurried walk through the old centre.

**Day 2 — Saturday 25 December:** The main sights and a museum in the morning, lunch at a local market.

**Day 3 — Sunday 26 December:** A last breakfast and a final stroll, then departure.

Tell me your interests, pace or budget, or change the dates, and I'll adjust the plan. [Map](https://www.openstreetmap.org/)"""

TASKS = [
    {"type": "custom", "title": "Found Lisbon, Portugal", "icon": "map-pin", "status_indicator": "complete",
     "content": "Population 517,802 · time zone Europe/Lisbon"},
    {"type": "custom", "title": "Checked public holidays in Portugal", "icon": "calendar",
     "status_indicator": "complete", "content": "Sat 25 Dec: Christmas Day"},
    {"type": "custom", "title": "Checked daylight in Lisbon", "icon": "sparkle", "status_indicator": "complete",
     "content": "Sunrise 07:53, sunset 17:20"},
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--turns", type=int, default=250)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database-url", help=argparse.SUPPRESS)  # one run, in a child process
    args = parser.parse_args()
    if args.database_url:
        os.environ.update(DATABASE_URL=args.database_url, DATABASE_POOL="false")
        os.environ["DJANGO_SETTINGS_MODULE"] = "merak_project.settings"
        run(args.rounds, args.turns)
        return
    common = [sys.executable, __file__, "--rounds", str(args.rounds), "--turns", str(args.turns)]
    with tempfile.TemporaryDirectory() as folder:
        print("SQLite")
        subprocess.run([*common, "--database-url", f"sqlite:///{folder}/bench.sqlite3"], check=True)
    try:
        import psycopg

        name = f"merak_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.pg_url, autocommit=True, connect_timeout=2) as admin:
            admin.execute(f"CREATE DATABASE {name}")
    except Exception as error:  # noqa: BLE001 - no PostgreSQL here: SQLite's figures stand alone
        print(f"PostgreSQL not reachable at {args.pg_url}: {error}")
        return
    try:
        print("PostgreSQL")
        subprocess.run([*common, "--database-url", args.pg_url.rsplit("/", 1)[0] + f"/{name}"], check=True)
    finally:
        with psycopg.connect(args.pg_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name}")


def seed(turns: int) -> int:
    """The 1,000-item thread (four items a turn); its pk."""
    from agents_app.tools.itinerary import build_itinerary
    from agents_app.trips.locales import locale_format
    from agents_app.widgets import itinerary_card, itinerary_text
    from chatkit_app import models

    itinerary = build_itinerary("Lisbon", "PT", "2027-12-24", 3)
    card = itinerary_card(itinerary, locale_format("en-GB")).model_dump(mode="json")
    copy_text = itinerary_text(itinerary, locale_format("en-GB"))
    thread = models.Thread.objects.create(
        thread_id="thr_bench", user_id="alice", title="3 days in Lisbon", created_at=EPOCH, data={}
    )
    items, replies, answers = [], [], []
    for turn in range(turns):
        at = EPOCH + timedelta(minutes=turn)
        bodies: list[tuple[str, dict[str, Any]]] = [
            ("user_message", {"content": [{"type": "input_text", "text": f"Question {turn}: 3 days in Lisbon"}],
                              "attachments": [], "inference_options": {}}),
            ("workflow", {"workflow": {"type": "custom", "tasks": TASKS, "summary": {"duration": 1}}}),
            ("widget", {"widget": card, "copy_text": copy_text}),
            ("assistant_message", {"content": [{"type": "output_text", "text": ANSWER, "annotations": []}]}),
        ]  # fmt: skip
        for n, (kind, body) in enumerate(bodies):
            item_id = f"itm_{turn}_{n}"
            created = at + timedelta(seconds=n)
            data = {"id": item_id, "thread_id": thread.thread_id, "created_at": created.isoformat(), "type": kind}
            items.append(
                models.Item(
                    thread=thread, item_id=item_id, user_id="alice", type=kind, created_at=created, data=data | body
                )
            )
        answers.append(items[-1])
        replies.append(
            models.Reply(
                thread=thread, user_id="alice", item_id=items[-1].item_id, request_type="threads.add_user_message",
                model="gpt-4.1-mini", input_tokens=2400, output_tokens=260, requests=3, tool_calls=4,
                first_token_ms=900, total_ms=4100, outcome="done", started_at=at,
            )
        )  # fmt: skip
    models.Item.objects.bulk_create(items, batch_size=500)
    models.Reply.objects.bulk_create(replies)
    models.Feedback.objects.bulk_create(
        [models.Feedback(item=answer, user_id="alice", kind="positive") for answer in answers[::3]]
    )
    return thread.pk


def run(rounds: int, turns: int) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from chatkit_app.console import transcript
    from chatkit_app.models import Thread

    setup_test_environment()
    call_command("migrate", verbosity=0)
    pk = seed(turns)
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("bench", "bench@example.com", "x"))
    url = reverse("admin:chatkit_app_thread_change", args=[pk])
    thread = Thread.objects.get(pk=pk)

    response = client.get(url)  # warm up: templates, URL resolvers, the connection
    assert response.status_code == 200
    queries: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        size = len(client.get(url).content)
    page, alone = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        assert client.get(url).status_code == 200
        page.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        transcript.render(thread)
        alone.append((time.perf_counter() - started) * 1000)
    items = thread.items.count()
    print(f"  {items} items, {len(queries)} queries, page {size / 1_000_000:.1f} MB, {rounds} rounds")
    for label, samples in (("admin page", page), ("transcript alone", alone)):
        print(
            f"  {label:17} median {statistics.median(samples):6.0f} ms"
            f"  (min {min(samples):.0f}, max {max(samples):.0f})"
        )


if __name__ == "__main__":
    main()
