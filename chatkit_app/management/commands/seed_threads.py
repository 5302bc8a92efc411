"""`manage.py seed_threads`: fill a database with synthetic conversations, to measure the admin on a large one.

    manage.py seed_threads --threads 100000 --items-per-thread 10 --seed 1

Seeded threads are made by `chatkit_app.management.synthetic` and have ids
starting with "thr_seed". The command refuses a database holding other threads
(real ones) unless --force, and one already seeded. Rows go in with
bulk_create, a transaction per batch of threads; then each thread's last
activity is set to its last item's time (the activity trigger stamped them
all "now") and each piece of feedback a minute after its message.
"""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import DateTimeField, ExpressionWrapper, Max, OuterRef, Subquery, Value
from django.test import override_settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from chatkit_app.management.synthetic import PREFIX, SAMPLE_PRICES, Batch, Conversations
from chatkit_app.models import Feedback, Item, Reply, Thread

ROWS_PER_INSERT = 5000
TABLES = [Thread, Item, Reply, Feedback]


class Command(BaseCommand):
    help = "Seed synthetic threads, items, replies and feedback (ids thr_seed...) for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threads", type=int, default=1000)
        parser.add_argument("--items-per-thread", type=int, default=10, help="on average (half to 1.5 times)")
        parser.add_argument("--users", type=int, default=2000, help="distinct users the threads belong to")
        parser.add_argument("--seed", type=int, default=1, help="the same seed (and --end) makes the same rows")
        parser.add_argument("--end", default="", help="ISO time the last activity comes before (default: now)")
        parser.add_argument("--batch", type=int, default=1000, help="threads per transaction")
        parser.add_argument("--force", action="store_true", help="seed beside threads that are not seeded ones")

    def handle(self, *args: Any, **options: Any) -> None:
        self._check_empty(options["force"])
        end = self._end(options["end"])
        conversations = Conversations(
            random.Random(options["seed"]),
            end=end,
            items_per_thread=options["items_per_thread"],
            users=options["users"],
        )
        total, size = options["threads"], options["batch"]
        started = time.monotonic()
        counts = dict.fromkeys(("threads", "items", "replies", "feedback"), 0)
        # Seeded replies of gpt-4.1 and gpt-4.1-mini get a cost at list prices when the settings price neither.
        with override_settings(MERAK_MODEL_PRICES={**SAMPLE_PRICES, **settings.MERAK_MODEL_PRICES}):
            for first in range(0, total, size):
                batch = conversations.batch(first, min(size, total - first))
                self._insert(batch)
                for name in counts:
                    counts[name] += len(getattr(batch, name))
                elapsed = time.monotonic() - started
                self.stdout.write(
                    f"{counts['threads']:,}/{total:,} threads, {counts['items']:,} items ({elapsed:.0f} s)"
                )
        self._analyze()
        summary = ", ".join(f"{n:,} {name}" for name, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Seeded {summary} in {time.monotonic() - started:.0f} s."))

    def _check_empty(self, force: bool) -> None:
        if Thread.objects.filter(thread_id__startswith=PREFIX).exists():
            raise CommandError("This database is already seeded: seed a fresh one.")
        if Thread.objects.exists() and not force:
            raise CommandError(
                "This database holds threads of its own: seed a separate one (DATABASE_URL), "
                "or pass --force to add seeded threads beside them (ids thr_seed...)."
            )

    def _end(self, text: str) -> datetime:
        if not text:
            return timezone.now().replace(second=0, microsecond=0)
        value = parse_datetime(text)
        if value is None:
            raise CommandError(f"--end: not an ISO date and time: {text!r}")
        return value if timezone.is_aware(value) else timezone.make_aware(value)

    @transaction.atomic
    def _insert(self, batch: Batch) -> None:
        Thread.objects.bulk_create(batch.threads, batch_size=ROWS_PER_INSERT)
        Item.objects.bulk_create(batch.items, batch_size=ROWS_PER_INSERT)  # the trigger stamps threads "now"
        Reply.objects.bulk_create(batch.replies, batch_size=ROWS_PER_INSERT)
        feedback = Feedback.objects.bulk_create(batch.feedback, batch_size=ROWS_PER_INSERT)
        ids = [thread.thread_id for thread in batch.threads]
        last_item = (
            Item.objects.filter(thread=OuterRef("thread_id")).order_by().values("thread").annotate(t=Max("created_at"))
        )
        Thread.objects.filter(thread_id__in=ids).update(updated_at=Subquery(last_item.values("t")))
        # bulk_create stamps feedback "now" (auto_now_add): a minute after its message instead.
        answered = Subquery(Item.objects.filter(seq=OuterRef("item_id")).values("created_at")[:1])
        a_minute_later = ExpressionWrapper(answered + Value(timedelta(minutes=1)), output_field=DateTimeField())
        Feedback.objects.filter(pk__in=[row.pk for row in feedback]).update(created_at=a_minute_later)

    def _analyze(self) -> None:
        """Fresh planner statistics; on PostgreSQL also a VACUUM of the rows the timestamps' updates left dead."""
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block  # not in a transaction
        with connection.cursor() as cursor:
            for model in TABLES:
                cursor.execute(
                    f"{'VACUUM ANALYZE' if vacuum else 'ANALYZE'} {connection.ops.quote_name(model._meta.db_table)}"
                )
