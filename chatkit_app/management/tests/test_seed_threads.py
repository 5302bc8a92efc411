"""`manage.py seed_threads`: synthetic conversations a benchmark can trust to look like the store's own rows."""

from __future__ import annotations

from io import StringIO

import pytest
from chatkit.types import ThreadItem, ThreadMetadata
from django.core.management import CommandError, call_command
from django.db.models import Max
from pydantic import TypeAdapter

from chatkit_app.console.search import threads_matching
from chatkit_app.models import Feedback, Item, Reply, Thread
from chatkit_app.store.rows import item_text
from chatkit_app.testing.factories import ThreadFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the command ends with ANALYZE / VACUUM, outside a transaction

END = "2026-11-30T12:00:00+00:00"
ITEM = TypeAdapter(ThreadItem)


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_threads", threads=30, items_per_thread=8, batch=7, seed=3, end=END, stdout=out, **options)
    return out.getvalue()


def snapshot() -> list[tuple]:
    items = Item.objects.order_by("thread_id", "created_at", "item_id").values_list("thread_id", "item_id", "data")
    replies = Reply.objects.order_by("thread_id", "started_at").values_list("thread_id", "model", "output_tokens")
    return [*items, *replies]


def test_seeded_rows_are_what_the_store_would_have_written():
    assert "Seeded 30 threads" in seed()

    assert Thread.objects.count() == 30
    assert all(thread_id.startswith("thr_seed") for thread_id in Thread.objects.values_list("thread_id", flat=True))
    for thread in Thread.objects.all():
        ThreadMetadata.model_validate(thread.data)
    for item in Item.objects.all():
        parsed = ITEM.validate_python(item.data)  # the SDK reads it back
        assert (parsed.id, parsed.thread_id, parsed.type) == (item.item_id, item.thread_id, item.type)
        assert item.text == item_text(parsed)  # searchable as the store's own
    assert 4 * 30 <= Item.objects.count() <= 12 * 30
    assert Reply.objects.exists() and Feedback.objects.exists()
    answered = {item.item_id for item in Item.objects.filter(type="assistant_message")}
    assert all(reply.item_id in answered or reply.outcome == "failed" for reply in Reply.objects.all())


def test_a_threads_last_activity_is_its_last_items_time_not_when_it_was_seeded():
    seed()
    last = dict(Item.objects.values("thread_id").annotate(t=Max("created_at")).values_list("thread_id", "t"))
    assert {thread.thread_id: thread.updated_at for thread in Thread.objects.all()} == last
    assert max(last.values()).isoformat() <= END


def test_the_same_seed_makes_the_same_rows():
    seed()
    first = snapshot()
    Thread.objects.all().delete()
    seed()
    assert snapshot() == first


def test_what_is_seeded_is_found_by_the_admins_search():
    seed()
    said = Item.objects.filter(type="user_message").first()
    assert said is not None
    word = max(said.text.split(), key=len).strip(".,?!'")
    assert said.thread_id in set(threads_matching(Thread.objects.all(), word).values_list("thread_id", flat=True))


def test_it_refuses_a_database_with_real_threads_or_seeded_ones():
    real = ThreadFactory()
    with pytest.raises(CommandError, match="holds threads of its own"):
        seed()
    assert Thread.objects.count() == 1

    seed(force=True)
    assert Thread.objects.filter(pk=real.pk).exists() and Thread.objects.count() == 31
    with pytest.raises(CommandError, match="already seeded"):
        seed(force=True)


def test_a_bad_end_is_a_clear_error():
    with pytest.raises(CommandError, match="not an ISO date"):
        call_command("seed_threads", threads=1, end="last tuesday", stdout=StringIO())
