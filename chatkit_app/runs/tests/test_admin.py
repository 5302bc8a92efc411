"""The admin's replies in progress: the live ones listed, and an operator's stop reaching the worker running one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from chatkit_app.models import RunningReply, ThreadLease
from chatkit_app.testing.factories import ThreadFactory
from chatkit_app.testing.protocol import wait_for
from chatkit_app.testing.servers import postgres_test_database_url, servers

from .test_runs import ask, assistant_text, leave_after, running, stored
from .test_workers import REDIS_DB, on_redis  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

CHANGELIST = reverse("admin:chatkit_app_runningreply_changelist")


def test_replies_in_progress_are_the_live_leases_with_their_threads(admin_client):
    thread = ThreadFactory(user_id="alice")
    now = timezone.now()
    ThreadLease.objects.create(
        thread_id=thread.thread_id,
        user_id="alice",
        holder="a" * 32,
        started_at=now,
        expires_at=now + timedelta(seconds=9),
    )
    ThreadLease.objects.create(thread_id="thr_dead", user_id="bob", holder="b" * 32, expires_at=now)

    page = admin_client.get(CHANGELIST)

    assert page.status_code == 200
    html = page.content.decode()
    assert thread.thread_id in html and reverse("admin:chatkit_app_thread_change", args=[thread.pk]) in html
    assert "thr_dead" not in html, "a lease whose worker died is no reply in progress"
    assert "Stop the selected replies" in html


def test_an_operator_stops_a_reply_on_the_worker_that_runs_it(admin_client, on_redis, settings):  # noqa: F811
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:6379/{REDIS_DB}"], "prefix": "merak:channels"},
        }
    }
    with servers(postgres_test_database_url(), MERAK_OFFLINE_STREAM_DELAY_MS="20", **on_redis) as [(base_url, _)]:
        thread_id = leave_after(base_url, ask("say 2000 words"), words_seen=3)
        reply = RunningReply.objects.get(thread_id=thread_id)

        stopped = admin_client.post(CHANGELIST, {"action": "stop", "_selected_action": [reply.pk]}, follow=True)
        wait_for(lambda: not running(thread_id), timeout=2)

    assert "Asked 1 reply(ies) to stop." in stopped.content.decode()
    assert [kind for kind, _ in stored(thread_id)][-2:] == ["assistant_message", "sdk_hidden_context"]
    assert len(assistant_text(thread_id).split()) < 500
