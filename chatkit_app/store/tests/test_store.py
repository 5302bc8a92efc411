"""The Django ORM store keeps the contract of the ChatKit SDK's reference store."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone
from typing import get_args

import pytest
from chatkit.store import NotFoundError, StoreItemType
from chatkit.types import (
    Annotation,
    AssistantMessageContent,
    AssistantMessageItem,
    AttachmentUploadDescriptor,
    ClientToolCallItem,
    CustomSummary,
    CustomTask,
    EndOfTurnItem,
    EntitySource,
    FileAttachment,
    FileSource,
    GeneratedImage,
    GeneratedImageItem,
    HiddenContextItem,
    ImageAttachment,
    InferenceOptions,
    LockedStatus,
    Page,
    SDKHiddenContextItem,
    SearchTask,
    StructuredInputFreeform,
    StructuredInputItem,
    TaskItem,
    ThoughtTask,
    Thread,
    ThreadItem,
    ThreadMetadata,
    ToolChoice,
    URLSource,
    UserMessageItem,
    UserMessageTagContent,
    UserMessageTextContent,
    WidgetItem,
    Workflow,
    WorkflowItem,
)
from chatkit.widgets import DynamicWidgetRoot
from django.core.exceptions import SynchronousOnlyOperation
from django.db import connection
from pydantic import AnyUrl

from chatkit_app import models
from chatkit_app.store import DjangoStore

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:Direct usage of named widget classes:DeprecationWarning"),
]

# The SDK stamps items with naive local time (`datetime.now()`).
T0 = datetime(2026, 3, 1, 9, 30, 0, 250_000)


# --- fixtures and builders ----------------------------------------------------


@pytest.fixture
def store() -> DjangoStore:
    return DjangoStore()


def make_thread(thread_id: str = "thr_alice", at: datetime = T0, title: str = "Lisbon", **fields) -> ThreadMetadata:
    return ThreadMetadata(id=thread_id, title=title, created_at=at, metadata={"trip": 1}, **fields)


def message(item_id: str, thread_id: str = "thr_alice", at: datetime = T0, text: str = "Hello") -> UserMessageItem:
    return UserMessageItem(
        id=item_id,
        thread_id=thread_id,
        created_at=at,
        content=[UserMessageTextContent(text=text)],
        inference_options=InferenceOptions(),
    )


def file_attachment(
    attachment_id: str = "atc_file", thread_id: str | None = None, name: str = "itinerary.pdf"
) -> FileAttachment:
    return FileAttachment(
        id=attachment_id, name=name, mime_type="application/pdf", thread_id=thread_id, metadata={"k": "v"}
    )


def image_attachment(attachment_id: str = "atc_image") -> ImageAttachment:
    return ImageAttachment(
        id=attachment_id,
        name="map.png",
        mime_type="image/png",
        preview_url=AnyUrl("https://example.com/map.png"),
        upload_descriptor=AttachmentUploadDescriptor(
            url=AnyUrl("https://uploads.example.com/atc_image"), method="PUT", headers={"x-token": "t"}
        ),
    )


CARD = {
    "type": "Card",
    "children": [
        {"type": "Title", "value": "Lisbon, 3 days"},
        {"type": "Row", "children": [{"type": "Badge", "label": "May"}, {"type": "Text", "value": "22°C"}]},
        {
            "type": "Col",
            "padding": {"x": 4, "y": 3},
            "children": [{"type": "Text", "value": "Day 1"}, {"type": "Text", "value": "Day 2"}],
        },
    ],
}

# Every kind the installed SDK knows: a new one fails `every_item_kind` until it is covered.
ITEM_KINDS = tuple(kind.model_fields["type"].default for kind in get_args(get_args(ThreadItem)[0]))


def every_item_kind(thread_id: str = "thr_alice", at: datetime = T0) -> dict[str, ThreadItem]:
    """One richly filled item of each `ThreadItem` kind, one second apart."""
    base = {"thread_id": thread_id, "created_at": at}
    kinds = {
        "user_message": UserMessageItem(
            id="msg_user",
            content=[
                UserMessageTextContent(text="Plan three days 🧳 in"),
                UserMessageTagContent(id="city_lis", text="Lisbon", data={"geonameid": 2267057}, interactive=True),
            ],
            attachments=[file_attachment(thread_id=thread_id), image_attachment()],
            quoted_text="somewhere sunny",
            inference_options=InferenceOptions(tool_choice=ToolChoice(id="plan_trip"), model="gpt-4.1-mini"),
            **base,
        ),
        "assistant_message": AssistantMessageItem(
            id="msg_assistant",
            content=[
                AssistantMessageContent(
                    text="Day 1: Alfama.",
                    annotations=[
                        Annotation(source=URLSource(title="Visit Lisboa", url="https://visitlisboa.com"), index=3),
                        Annotation(source=FileSource(title="Guide", filename="guide.pdf")),
                        Annotation(source=EntitySource(title="Alfama", id="place_1", data={"lat": 38.71})),
                    ],
                )
            ],
            **base,
        ),
        "widget": WidgetItem(
            id="wdg_itinerary",
            # As the SDK reads a card: into its typed widget classes.
            widget=WidgetItem.model_validate({"id": "w", "thread_id": "t", "created_at": at, "widget": CARD}).widget,
            copy_text="Lisbon, 3 days",
            **base,
        ),
        "client_tool_call": ClientToolCallItem(
            id="tc_locate", call_id="call_1", name="get_location", arguments={"precise": True}, output={"ok": 1}, **base
        ),
        "workflow": WorkflowItem(
            id="wf_research",
            workflow=Workflow(
                type="reasoning",
                tasks=[ThoughtTask(content="Check the weather"), SearchTask(queries=["lisbon may weather"])],
                summary=CustomSummary(title="Researched"),
                expanded=True,
            ),
            **base,
        ),
        "task": TaskItem(
            id="tsk_book", task=CustomTask(title="Booking", content="Hotel", status_indicator="loading"), **base
        ),
        "generated_image": GeneratedImageItem(
            id="img_1", image=GeneratedImage(id="gi_1", url="https://example.com/gi.png"), **base
        ),
        "structured_input": StructuredInputItem(
            id="si_1", inputs=[StructuredInputFreeform(id="q1", question="Budget?", description="EUR")], **base
        ),
        "hidden_context_item": HiddenContextItem(id="hc_1", content={"preferences": ["museums"]}, **base),
        "sdk_hidden_context": SDKHiddenContextItem(id="shcx_1", content="previous_response_id=resp_1", **base),
        "end_of_turn": EndOfTurnItem(id="eot_1", **base),
    }
    for seconds, item in enumerate(kinds.values()):
        item.created_at = at + timedelta(seconds=seconds)
    assert set(kinds) == set(ITEM_KINDS)
    return kinds


async def add_messages(store, context, thread_id: str, stamps: dict[str, datetime]) -> None:
    for item_id, at in stamps.items():
        await store.add_thread_item(thread_id, message(item_id, thread_id, at), context)


async def walk(load, limit: int, order: str) -> list[Page]:
    """Every page, following `after` as the SDK's server does."""
    pages, after = [], None
    for _ in range(100):
        page = await load(after=after, limit=limit, order=order)
        pages.append(page)
        if not page.has_more:
            return pages
        after = page.after
    raise AssertionError("pagination never ended")


def assert_pages(pages: list[Page], limit: int, expected_ids: list[str]) -> None:
    assert [x.id for page in pages for x in page.data] == expected_ids
    for page in pages[:-1]:
        assert len(page.data) == limit
        assert page.has_more is True
        assert page.after == page.data[-1].id
    assert pages[-1].has_more is False
    assert pages[-1].after is None


# --- threads ------------------------------------------------------------------


async def test_saved_thread_loads_back_equal(store, alice):
    thread = make_thread(status=LockedStatus(reason="archived"), allowed_image_domains=["example.com"])
    await store.save_thread(thread, alice)
    assert await store.load_thread(thread.id, alice) == thread


async def test_thread_with_null_title_loads_back_with_null_title(store, alice):
    thread = ThreadMetadata(id="thr_untitled", title=None, created_at=T0)
    await store.save_thread(thread, alice)
    assert (await store.load_thread(thread.id, alice)).title is None


async def test_saving_a_thread_again_updates_it_in_place(store, alice):
    thread = make_thread()
    await store.save_thread(thread, alice)
    thread.title = "Porto instead"
    thread.metadata = {"trip": 2}
    await store.save_thread(thread, alice)
    assert await store.load_thread(thread.id, alice) == thread
    assert await models.Thread.objects.filter(thread_id=thread.id).acount() == 1


async def test_save_thread_accepts_a_full_thread_and_stores_only_its_metadata(store, alice):
    full = Thread(**make_thread().model_dump(), items=Page(data=[message("msg_1")]))
    await store.save_thread(full, alice)
    loaded = await store.load_thread(full.id, alice)
    assert type(loaded) is ThreadMetadata
    assert loaded == make_thread()
    row = await models.Thread.objects.aget(thread_id=full.id)
    assert "items" not in row.data
    assert await models.Item.objects.acount() == 0


async def test_a_new_item_moves_its_threads_last_activity_and_no_other_threads(store, alice):
    await store.save_thread(make_thread("thr_alice"), alice)
    await store.save_thread(make_thread("thr_other"), alice)
    before = {row.thread_id: row.updated_at async for row in models.Thread.objects.all()}

    await store.add_thread_item("thr_alice", message("msg_1"), alice)

    after = {row.thread_id: row.updated_at async for row in models.Thread.objects.all()}
    assert after["thr_alice"] > before["thr_alice"] and after["thr_other"] == before["thr_other"]
    # The database stamps it (migration 0005's trigger), in UTC like Django's own stamps.
    assert abs(after["thr_alice"] - datetime.now(UTC)) < timedelta(seconds=60)


async def test_missing_thread_is_not_found(store, alice):
    with pytest.raises(NotFoundError):
        await store.load_thread("thr_nope", alice)


async def test_other_users_thread_is_not_found(store, alice, bob):
    await store.save_thread(make_thread(), alice)
    with pytest.raises(NotFoundError):
        await store.load_thread("thr_alice", bob)


async def test_saving_over_other_users_thread_is_not_found_and_changes_nothing(store, alice, bob):
    await store.save_thread(make_thread(), alice)
    with pytest.raises(NotFoundError):
        await store.save_thread(make_thread(title="Hijacked"), bob)
    assert await store.load_thread("thr_alice", alice) == make_thread()


async def test_load_threads_lists_only_own_threads(store, alice, bob):
    await store.save_thread(make_thread("thr_a"), alice)
    await store.save_thread(make_thread("thr_b"), bob)
    page = await store.load_threads(10, None, "asc", alice)
    assert [t.id for t in page.data] == ["thr_a"]
    assert (page.has_more, page.after) == (False, None)


async def test_load_threads_pages_like_the_sdk_reference(store, alice):
    for n in (1, 2, 3):
        await store.save_thread(make_thread(f"thread{n}", T0 + timedelta(seconds=n)), alice)
    first = await store.load_threads(limit=2, after=None, order="asc", context=alice)
    assert [t.id for t in first.data] == ["thread1", "thread2"]
    assert (first.has_more, first.after) == (True, "thread2")
    second = await store.load_threads(limit=2, after=first.after, order="asc", context=alice)
    assert [t.id for t in second.data] == ["thread3"]
    assert (second.has_more, second.after) == (False, None)


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("limit", [1, 2, 3, 7, 8])
async def test_threads_paginate_by_created_at_with_insertion_order_breaking_ties(store, alice, order, limit):
    stamps = {"a": 1, "b": 1, "c": 0, "d": 2, "e": 1, "f": 2, "g": 3}  # inserted in this order
    for thread_id, seconds in stamps.items():
        await store.save_thread(make_thread(thread_id, T0 + timedelta(seconds=seconds)), alice)
    expected = ["c", "a", "b", "e", "d", "f", "g"]
    pages = await walk(lambda **kw: store.load_threads(context=alice, **kw), limit, order)
    assert_pages(pages, limit, expected if order == "asc" else expected[::-1])


async def test_load_threads_after_an_unknown_or_foreign_thread_raises_not_found(store, alice, bob):
    await store.save_thread(make_thread("thr_bob"), bob)
    for after in ("thr_nope", "thr_bob"):
        with pytest.raises(NotFoundError):
            await store.load_threads(10, after, "asc", alice)


async def test_deleting_a_thread_deletes_its_items_and_feedback(store, alice):
    await store.save_thread(make_thread(), alice)
    await store.save_thread(make_thread("thr_other"), alice)
    await add_messages(store, alice, "thr_alice", {"msg_1": T0, "msg_2": T0})
    await add_messages(store, alice, "thr_other", {"msg_3": T0})
    await store.save_feedback("thr_alice", ["msg_1"], "positive", alice)
    await store.delete_thread("thr_alice", alice)
    with pytest.raises(NotFoundError):
        await store.load_thread("thr_alice", alice)
    assert (await store.load_thread_items("thr_alice", None, 10, "asc", alice)).data == []
    assert [i.item_id async for i in models.Item.objects.all()] == ["msg_3"]
    assert await models.Feedback.objects.acount() == 0


async def test_deleting_other_users_or_a_missing_thread_is_a_no_op(store, alice, bob):
    await store.save_thread(make_thread(), alice)
    await add_messages(store, alice, "thr_alice", {"msg_1": T0})
    await store.delete_thread("thr_alice", bob)
    await store.delete_thread("thr_nope", alice)
    assert await store.load_thread("thr_alice", alice) == make_thread()
    assert [i.id for i in (await store.load_thread_items("thr_alice", None, 10, "asc", alice)).data] == ["msg_1"]


# --- items --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ITEM_KINDS)
async def test_every_item_kind_round_trips_equal(store, alice, kind):
    item = every_item_kind()[kind]
    await store.save_thread(make_thread(), alice)
    await store.add_thread_item("thr_alice", item, alice)
    assert await store.load_item("thr_alice", item.id, alice) == item
    assert (await store.load_thread_items("thr_alice", None, 10, "asc", alice)).data == [item]


async def test_a_card_built_from_a_template_reads_back_as_the_same_json(store, alice):
    built = WidgetItem(
        id="w_built", thread_id="thr_alice", created_at=T0, widget=DynamicWidgetRoot.model_validate(CARD)
    )
    await store.save_thread(make_thread(), alice)
    await store.add_thread_item("thr_alice", built, alice)

    loaded = await store.load_item("thr_alice", "w_built", alice)

    assert loaded.model_dump(mode="json", exclude_none=True) == built.model_dump(mode="json", exclude_none=True)


async def test_a_thread_of_every_item_kind_loads_back_in_order(store, alice):
    items = list(every_item_kind().values())
    await store.save_thread(make_thread(), alice)
    for item in reversed(items):
        await store.add_thread_item("thr_alice", item, alice)
    assert (await store.load_thread_items("thr_alice", None, 50, "asc", alice)).data == items


async def test_naive_and_aware_created_at_round_trip_and_sort_by_instant(store, alice):
    local = T0.astimezone()  # the naive T0 read as this machine's local time
    stamps = {
        "msg_aware_later": (local + timedelta(seconds=2)).astimezone(timezone(timedelta(hours=-5))),
        "msg_naive": T0,
        "msg_aware_earlier": (local - timedelta(seconds=1)).astimezone(UTC),
        "msg_aware_tie": local,  # the same instant as msg_naive, inserted after it
    }
    await store.save_thread(make_thread(at=local), alice)
    await add_messages(store, alice, "thr_alice", stamps)
    page = await store.load_thread_items("thr_alice", None, 10, "asc", alice)
    assert [i.id for i in page.data] == ["msg_aware_earlier", "msg_naive", "msg_aware_tie", "msg_aware_later"]
    assert {i.id: i.created_at for i in page.data} == stamps
    assert page.data[1].created_at.tzinfo is None
    assert (await store.load_thread("thr_alice", alice)).created_at == local


async def test_text_with_a_nul_character_is_stored_and_on_postgresql_replaced(store, alice):
    # A model's reply may contain U+0000, which PostgreSQL's text and jsonb cannot hold: there
    # it becomes U+FFFD, and the rest is stored as it is. SQLite keeps it.
    kept = "\x00" if connection.vendor == "sqlite" else "\ufffd"
    await store.save_thread(make_thread(title="Lisbon\x00"), alice)
    await store.add_thread_item("thr_alice", message("msg_nul", text="before\x00after"), alice)
    await store.save_attachment(file_attachment(name="plan\x00.pdf"), alice)

    assert (await store.load_thread("thr_alice", alice)).title == f"Lisbon{kept}"
    assert await store.load_item("thr_alice", "msg_nul", alice) == message("msg_nul", text=f"before{kept}after")
    assert (await store.load_attachment("atc_file", alice)).name == f"plan{kept}.pdf"
    assert await models.Thread.objects.filter(title=f"Lisbon{kept}").aexists()


async def test_items_page_like_the_sdk_reference(store, alice):
    await store.save_thread(make_thread(), alice)
    await add_messages(store, alice, "thr_alice", {f"msg{n}": T0 + timedelta(seconds=n) for n in range(5)})
    after = await store.load_thread_items("thr_alice", after="msg1", limit=3, order="asc", context=alice)
    assert [i.id for i in after.data] == ["msg2", "msg3", "msg4"]
    assert (after.has_more, after.after) == (False, None)
    first = await store.load_thread_items("thr_alice", after=None, limit=2, order="asc", context=alice)
    assert [i.id for i in first.data] == ["msg0", "msg1"]
    assert (first.has_more, first.after) == (True, "msg1")
    newest = await store.load_thread_items("thr_alice", after="msg3", limit=10, order="desc", context=alice)
    assert [i.id for i in newest.data] == ["msg2", "msg1", "msg0"]


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("limit", [1, 2, 3, 6, 7, 8])
async def test_items_paginate_by_created_at_with_insertion_order_breaking_ties(store, alice, order, limit):
    await store.save_thread(make_thread(), alice)
    stamps = {"a": 1, "b": 1, "c": 0, "d": 2, "e": 1, "f": 2, "g": 3}  # inserted in this order
    await add_messages(store, alice, "thr_alice", {k: T0 + timedelta(seconds=s) for k, s in stamps.items()})
    expected = ["c", "a", "b", "e", "d", "f", "g"]
    pages = await walk(lambda **kw: store.load_thread_items("thr_alice", context=alice, **kw), limit, order)
    assert_pages(pages, limit, expected if order == "asc" else expected[::-1])


@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_items_at_whole_and_fractional_seconds_paginate_by_time(store, alice, order):
    # SQLite keeps datetimes as text and drops ".000000" on whole seconds.
    whole = datetime(2026, 3, 1, 9, 30, 0)
    stamps = {"d": 1_000_000, "b": 1, "a": 0, "c": 1, "a2": 0}  # microseconds after `whole`
    await store.save_thread(make_thread(), alice)
    await add_messages(store, alice, "thr_alice", {k: whole + timedelta(microseconds=us) for k, us in stamps.items()})
    expected = ["a", "a2", "b", "c", "d"]
    pages = await walk(lambda **kw: store.load_thread_items("thr_alice", context=alice, **kw), 1, order)
    assert_pages(pages, 1, expected if order == "asc" else expected[::-1])


async def test_load_thread_items_after_an_unknown_item_raises_not_found(store, alice):
    await store.save_thread(make_thread(), alice)
    await add_messages(store, alice, "thr_alice", {"msg_1": T0})
    with pytest.raises(NotFoundError):
        await store.load_thread_items("thr_alice", "msg_nope", 10, "asc", alice)


async def test_other_users_thread_items_load_as_an_empty_page(store, alice, bob):
    await store.save_thread(make_thread(), alice)
    await add_messages(store, alice, "thr_alice", {"msg_1": T0})
    page = await store.load_thread_items("thr_alice", None, 10, "asc", bob)
    assert (page.data, page.has_more, page.after) == ([], False, None)


@pytest.mark.parametrize("method", ["add_thread_item", "save_item"])
async def test_adding_an_item_to_a_missing_or_foreign_thread_is_not_found(store, alice, bob, method):
    await store.save_thread(make_thread(), alice)
    for thread_id, context in (("thr_nope", alice), ("thr_alice", bob)):
        with pytest.raises(NotFoundError):
            await getattr(store, method)(thread_id, message("msg_1", thread_id), context)
    assert await models.Item.objects.acount() == 0


@pytest.mark.parametrize("method", ["add_thread_item", "save_item"])
async def test_saving_an_existing_item_updates_it_in_place_and_keeps_its_position(store, alice, method):
    await store.save_thread(make_thread(), alice)
    await add_messages(store, alice, "thr_alice", {"msg_1": T0, "msg_2": T0, "msg_3": T0})
    edited = message("msg_2", text="Edited")
    await getattr(store, method)("thr_alice", edited, alice)
    page = await store.load_thread_items("thr_alice", None, 10, "asc", alice)
    assert [i.id for i in page.data] == ["msg_1", "msg_2", "msg_3"]
    assert page.data[1] == edited
    assert await store.load_item("thr_alice", "msg_2", alice) == edited


async def test_save_item_inserts_an_item_it_has_not_seen(store, alice):
    await store.save_thread(make_thread(), alice)
    await store.save_item("thr_alice", message("msg_1"), alice)
    assert await store.load_item("thr_alice", "msg_1", alice) == message("msg_1")


async def test_missing_or_other_users_item_is_not_found(store, alice, bob):
    await store.save_thread(make_thread(), alice)
    await add_messages(store, alice, "thr_alice", {"msg_1": T0})
    for thread_id, item_id, context in (
        ("thr_alice", "msg_nope", alice),
        ("thr_nope", "msg_1", alice),
        ("thr_alice", "msg_1", bob),
    ):
        with pytest.raises(NotFoundError):
            await store.load_item(thread_id, item_id, context)


async def test_deleting_an_item_removes_only_that_item(store, alice):
    await store.save_thread(make_thread(), alice)
    await add_messages(store, alice, "thr_alice", {"msg_1": T0, "msg_2": T0})
    await store.delete_thread_item("thr_alice", "msg_1", alice)
    with pytest.raises(NotFoundError):
        await store.load_item("thr_alice", "msg_1", alice)
    assert [i.id for i in (await store.load_thread_items("thr_alice", None, 10, "asc", alice)).data] == ["msg_2"]


async def test_deleting_a_missing_or_other_users_item_is_a_no_op(store, alice, bob):
    await store.save_thread(make_thread(), alice)
    await add_messages(store, alice, "thr_alice", {"msg_1": T0})
    await store.delete_thread_item("thr_alice", "msg_nope", alice)
    await store.delete_thread_item("thr_alice", "msg_1", bob)
    assert await store.load_item("thr_alice", "msg_1", alice) == message("msg_1")


# --- feedback -----------------------------------------------------------------


async def test_save_feedback_records_and_then_changes_the_kind(store, alice):
    await store.save_thread(make_thread(), alice)
    await add_messages(store, alice, "thr_alice", {"msg_1": T0, "msg_2": T0, "msg_3": T0})
    await store.save_feedback("thr_alice", ["msg_1", "msg_2"], "positive", alice)
    await store.save_feedback("thr_alice", ["msg_2", "msg_3"], "negative", alice)
    kinds = {f.item.item_id: (f.user_id, f.kind) async for f in models.Feedback.objects.select_related("item")}
    assert kinds == {"msg_1": ("alice", "positive"), "msg_2": ("alice", "negative"), "msg_3": ("alice", "negative")}
    assert await models.Feedback.objects.acount() == 3


async def test_save_feedback_on_a_missing_or_foreign_item_raises_and_saves_nothing(store, alice, bob):
    await store.save_thread(make_thread(), alice)
    await store.save_thread(make_thread("thr_bob"), bob)
    await add_messages(store, alice, "thr_alice", {"msg_1": T0})
    await add_messages(store, bob, "thr_bob", {"msg_bob": T0})
    for thread_id, item_ids, context in (
        ("thr_alice", ["msg_1", "msg_nope"], alice),
        ("thr_alice", ["msg_1"], bob),
        ("thr_bob", ["msg_bob"], alice),
        ("thr_alice", ["msg_bob"], alice),
    ):
        with pytest.raises(NotFoundError):
            await store.save_feedback(thread_id, item_ids, "positive", context)
    assert await models.Feedback.objects.acount() == 0


# --- attachments --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["file", "image"])
async def test_attachment_round_trips_equal(store, alice, kind):
    attachment = file_attachment(thread_id="thr_alice") if kind == "file" else image_attachment()
    await store.save_attachment(attachment, alice)
    assert await store.load_attachment(attachment.id, alice) == attachment


async def test_saving_an_attachment_again_updates_it(store, alice):
    await store.save_attachment(file_attachment(), alice)
    moved = file_attachment(thread_id="thr_alice")
    await store.save_attachment(moved, alice)
    assert await store.load_attachment(moved.id, alice) == moved
    assert await models.Attachment.objects.acount() == 1


async def test_missing_or_other_users_attachment_is_not_found(store, alice, bob):
    await store.save_attachment(file_attachment(), alice)
    for attachment_id, context in (("atc_nope", alice), ("atc_file", bob)):
        with pytest.raises(NotFoundError):
            await store.load_attachment(attachment_id, context)


async def test_saving_over_other_users_attachment_is_not_found_and_changes_nothing(store, alice, bob):
    await store.save_attachment(file_attachment(), alice)
    with pytest.raises(NotFoundError):
        await store.save_attachment(file_attachment(thread_id="thr_bob"), bob)
    assert await store.load_attachment("atc_file", alice) == file_attachment()


async def test_deleting_an_attachment_removes_it_and_only_for_its_owner(store, alice, bob):
    await store.save_attachment(file_attachment(), alice)
    await store.delete_attachment("atc_file", bob)
    await store.delete_attachment("atc_nope", alice)
    assert await store.load_attachment("atc_file", alice) == file_attachment()
    await store.delete_attachment("atc_file", alice)
    with pytest.raises(NotFoundError):
        await store.load_attachment("atc_file", alice)


# --- ids ----------------------------------------------------------------------


PREFIXES = {
    "thread": "thr_",
    "message": "msg_",
    "tool_call": "tc_",
    "task": "tsk_",
    "workflow": "wf_",
    "attachment": "atc_",
    "sdk_hidden_context": "shcx_",
}


def test_generated_ids_use_the_sdk_prefixes(store, alice):
    assert set(PREFIXES) == set(get_args(StoreItemType))
    thread = make_thread()
    assert store.generate_thread_id(alice).startswith("thr_")
    for item_type, prefix in PREFIXES.items():
        assert store.generate_item_id(item_type, thread, alice).startswith(prefix)


def test_generated_ids_are_long_enough_not_to_collide(store, alice):
    ids = [store.generate_item_id("message", make_thread(), alice) for _ in range(20_000)]
    ids += [store.generate_thread_id(alice) for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    # 64+ random bits, and still within the id columns.
    assert all(len(i) - len(i.split("_", 1)[0]) - 1 >= 16 and len(i) <= 64 for i in ids)


# --- a reply's repeated read --------------------------------------------------


@pytest.mark.parametrize("known, complete", [(3, True), (2, False)], ids=["all-known", "newest-two-known"])
@pytest.mark.parametrize("limit", [1, 2, 3, 4])
async def test_a_remembered_read_answers_exactly_as_the_database_would(store, alice, queries, known, complete, limit):
    await store.save_thread(make_thread(), alice)
    await add_messages(store, alice, "thr_alice", {f"msg_{i}": T0 + timedelta(seconds=i) for i in range(3)})
    from_database = await store.load_thread_items("thr_alice", None, limit, "desc", alice)
    newest = (await store.load_thread_items("thr_alice", None, 3, "desc", alice)).data[:known]

    store.remember_newest_items("thr_alice", newest, complete=complete, context=alice)
    async with queries() as captured:
        remembered = await store.load_thread_items("thr_alice", None, limit, "desc", alice)

    assert remembered == from_database
    covered = limit <= known or complete
    assert len(captured) == (0 if covered else 1), "what is not known is read from the database"


async def test_a_remembered_read_serves_once_its_own_user_and_is_forgotten_on_a_write(store, alice, bob, queries):
    await store.save_thread(make_thread(), alice)
    await add_messages(store, alice, "thr_alice", {"msg_1": T0})
    newest = (await store.load_thread_items("thr_alice", None, 10, "desc", alice)).data

    store.remember_newest_items("thr_alice", newest, complete=True, context=alice)
    assert (await store.load_thread_items("thr_alice", None, 10, "desc", bob)).data == []
    await store.load_thread_items("thr_alice", None, 10, "desc", alice)
    async with queries() as second_read:
        await store.load_thread_items("thr_alice", None, 10, "desc", alice)

    store.remember_newest_items("thr_alice", newest, complete=True, context=alice)
    await store.add_thread_item("thr_alice", message("msg_2", at=T0 + timedelta(seconds=1)), alice)
    after_write = await store.load_thread_items("thr_alice", None, 10, "desc", alice)

    assert len(second_read) == 1
    assert [item.id for item in after_write.data] == ["msg_2", "msg_1"]


# --- queries and the event loop -----------------------------------------------


async def test_store_methods_make_a_constant_number_of_queries(store, alice, queries):
    async def counts(n: int) -> dict[str, int]:
        thread_id = f"thr_{n}"
        await store.save_thread(make_thread(thread_id), alice)
        ids = [f"msg_{n}_{i}" for i in range(n)]
        await add_messages(store, alice, thread_id, {item_id: T0 for item_id in ids})
        calls = {
            "load_thread_items": lambda: store.load_thread_items(thread_id, None, n, "asc", alice),
            "load_thread_items_after": lambda: store.load_thread_items(thread_id, ids[0], n, "desc", alice),
            "load_threads": lambda: store.load_threads(n, None, "desc", alice),
            "save_feedback": lambda: store.save_feedback(thread_id, ids, "positive", alice),
            "delete_thread": lambda: store.delete_thread(thread_id, alice),
        }
        result = {}
        for name, call in calls.items():
            async with queries() as captured:
                await call()
            result[name] = len(captured)
        return result

    few, many = await counts(3), await counts(50)
    assert few == many
    assert many["load_thread_items"] == 1
    assert many["load_thread_items_after"] == 2
    # The most: delete_thread, with its transaction, the attachments' ids and rows, and the cascade
    # (items, feedback, replies).
    assert max(many.values()) <= 10


async def test_store_never_runs_the_orm_on_the_event_loop(store, alice):
    assert not os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    with pytest.raises(SynchronousOnlyOperation):
        models.Thread.objects.count()  # the ORM called straight from a coroutine
    # ...while every store method runs from this coroutine without sync_to_async.
    await store.save_thread(make_thread(), alice)
    await store.load_threads(10, None, "asc", alice)
    await store.add_thread_item("thr_alice", message("msg_1"), alice)
    await store.save_item("thr_alice", message("msg_1"), alice)
    await store.load_item("thr_alice", "msg_1", alice)
    await store.load_thread_items("thr_alice", None, 10, "desc", alice)
    await store.save_feedback("thr_alice", ["msg_1"], "negative", alice)
    await store.save_attachment(file_attachment(), alice)
    await store.load_attachment("atc_file", alice)
    await store.delete_attachment("atc_file", alice)
    await store.delete_thread_item("thr_alice", "msg_1", alice)
    await store.delete_thread("thr_alice", alice)
    assert await store.load_thread_items("thr_alice", None, 10, "asc", alice) == Page(data=[])
