"""`store.sql.insert` writes the row `save()` would: every field's default, `auto_now_add` and foreign key."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.forms.models import model_to_dict
from django.utils import timezone

from chatkit_app import models
from chatkit_app.store import sql

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def thread() -> models.Thread:
    return models.Thread.objects.create(thread_id="thr_sql", user_id="alice", created_at=timezone.now(), data={})


def _stored(row_type, **filters) -> dict:
    return model_to_dict(row_type.objects.get(**filters), exclude=["id"])


def test_an_inserted_row_is_the_row_save_writes(thread):
    started = timezone.now()

    def reply(item_id: str) -> models.Reply:
        # Only what a reply's record sets without fail: the rest are the model's defaults.
        return models.Reply(
            thread=thread, user_id="alice", item_id=item_id, request_type="threads.create", outcome="done",
            cost=Decimal("0.000125"), started_at=started,
        )  # fmt: skip

    reply("msg_saved").save()
    sql.insert(reply("msg_inserted"))

    saved, inserted = _stored(models.Reply, item_id="msg_saved"), _stored(models.Reply, item_id="msg_inserted")
    assert inserted == {**saved, "item_id": "msg_inserted"}
    assert inserted["cost"] == Decimal("0.000125") and inserted["model"] == "" and inserted["first_token_ms"] is None


def test_an_inserted_row_gets_its_auto_now_add_time(thread):
    item = models.Item.objects.create(
        thread=thread, item_id="msg_1", user_id="alice", type="user_message", created_at=timezone.now(), data={}
    )
    before = timezone.now()
    sql.insert(models.Feedback(item=item, user_id="alice", kind="positive"))
    assert models.Feedback.objects.get(item=item).created_at >= before


def test_a_row_whose_parent_is_gone_is_refused_and_nothing_is_written():
    orphan = models.Reply(
        thread_id="thr_gone", user_id="alice", request_type="threads.create", outcome="done", started_at=timezone.now()
    )
    with pytest.raises(IntegrityError):
        sql.insert(orphan)
    assert not models.Reply.objects.exists()
