"""The itinerary card through the real `/chatkit` view: progress, the workflow, the card row by row, then the reply."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse

from agents_app.widgets import widget_texts
from chatkit_app import models

pytestmark = pytest.mark.django_db(transaction=True)

CHRISTMAS_IN_LISBON = "3 days in Lisbon from 2027-12-24"


def milestones(reply) -> list[str]:
    """What the user sees appear, in order: progress lines, and items as they start and finish."""
    seen = []
    for event in reply.events:
        if event["type"] == "progress_update":
            seen.append(f"progress: {event['text']}")
        elif event["type"] in ("thread.item.added", "thread.item.done"):
            seen.append(f"{event['type'].rsplit('.', 1)[1]}: {event['item']['type']}")
    return seen


def widget_events(reply) -> list[dict]:
    widget_id = next(e["item"]["id"] for e in reply.of_type("thread.item.added") if e["item"]["type"] == "widget")
    return [e for e in reply.events if e.get("item_id") == widget_id or e.get("item", {}).get("id") == widget_id]


async def test_a_plan_shows_progress_then_the_workflow_then_the_card_then_the_reply(create_thread):
    _, reply = await create_thread(CHRISTMAS_IN_LISBON)

    seen = milestones(reply)
    # The four fact tools run at once: the first opens the workflow, the others add their tasks to it.
    assert seen[:3] == ["done: user_message", "progress: Looking up Lisbon…", "added: workflow"]
    assert set(seen[3:6]) == {
        "progress: Checking public holidays in PT…",
        "progress: Checking sunrise and sunset in Lisbon…",
        "progress: Checking the local time in Lisbon…",
    }
    # The card closes the workflow; the reply comes after the card, with what the planner thought first.
    assert seen[6:] == [
        "progress: Drawing your itinerary…",
        "done: workflow",
        "added: widget",
        "done: widget",
        "added: workflow",
        "done: workflow",
        "added: assistant_message",
        "done: assistant_message",
    ]
    workflow = next(e["item"] for e in reply.of_type("thread.item.done") if e["item"]["type"] == "workflow")
    assert [task["status_indicator"] for task in workflow["workflow"]["tasks"]] == ["complete"] * 4
    updates = [e["update"]["type"] for e in reply.of_type("thread.item.updated") if e["item_id"] == workflow["id"]]
    assert updates.count("workflow.task.added") == 3 and updates.count("workflow.task.updated") == 4


async def test_the_card_is_built_row_by_row(create_thread):
    _, reply = await create_thread(CHRISTMAS_IN_LISBON)

    events = widget_events(reply)
    assert [e["type"] for e in events] == ["thread.item.added"] + ["thread.item.updated"] * 4 + ["thread.item.done"]
    states = [events[0]["item"]["widget"]] + [e["update"]["widget"] for e in events[1:-1]]
    day_rows = [[c.get("key") for c in state["children"] if c.get("key", "").startswith("day-")] for state in states]
    assert day_rows == [[], ["day-1"], ["day-1", "day-2"], ["day-1", "day-2", "day-3"], ["day-1", "day-2", "day-3"]]
    assert states[0]["status"]["text"] == "Building your itinerary…"
    final = events[-1]["item"]["widget"]
    assert final == states[-1] and "status" not in final
    assert [button["label"] for button in final["children"][-1]["children"]] == [
        "Add a day",
        "One day shorter",
        "Make it cheaper",
        "12-hour clock",
    ]


async def test_each_row_has_the_date_place_daylight_and_holiday_warnings(create_thread):
    _, reply = await create_thread(CHRISTMAS_IN_LISBON)

    card = widget_events(reply)[-1]["item"]["widget"]
    rows = {row["key"]: widget_texts(row) for row in card["children"] if row.get("key", "").startswith("day-")}
    assert rows["day-1"][:3] == ["Day 1", "Fri 24 Dec", "Lisbon — Arrival and the old centre"]
    assert rows["day-1"][3].startswith("Sunrise 07:") and "· Sunset 17:" in rows["day-1"][3]
    assert "⚠ Public holiday: Christmas Day. Check opening hours." in rows["day-2"]
    assert not any("holiday" in text for text in rows["day-1"] + rows["day-3"])
    assert "1 holiday" in widget_texts(card["children"][0])


async def test_the_card_is_stored_like_any_item(create_thread, chatkit):
    thread_id, reply = await create_thread(CHRISTMAS_IN_LISBON)
    streamed = widget_events(reply)[-1]["item"]

    page = await chatkit({"type": "items.list", "params": {"thread_id": thread_id, "limit": 50, "order": "asc"}})

    stored = next(item for item in page.json["data"] if item["type"] == "widget")
    assert stored == streamed
    kinds = ["user_message", "workflow", "widget", "workflow", "assistant_message"]
    assert [item["type"] for item in page.json["data"]] == kinds
    assert stored["copy_text"].startswith("3 days: Lisbon, Portugal, Fri 24 Dec – Sun 26 Dec 2027")
    row = await models.Item.objects.aget(item_id=stored["id"])
    assert row.type == "widget" and row.data["widget"] == streamed["widget"]


async def test_the_admin_shows_the_card_as_formatted_json(create_thread, admin_client):
    thread_id, _ = await create_thread(CHRISTMAS_IN_LISBON)
    row = await models.Item.objects.aget(thread_id=thread_id, type="widget")

    page = await sync_to_async(admin_client.get)(reverse("admin:chatkit_app_item_change", args=[row.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert "&quot;type&quot;: &quot;Card&quot;" in html and "Public holiday: Christmas Day" in html
