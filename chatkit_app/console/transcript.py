"""What a thread's page shows of its items: a transcript, in order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode

from chatkit_app.console.records import pretty_json
from chatkit_app.models import Item, Thread

# A thread page renders at most this many items; the items changelist has the rest.
TRANSCRIPT_LIMIT = 500

# Keys every item has; the transcript shows them in the item's heading instead.
_ITEM_KEYS = {"id", "thread_id", "created_at", "type"}


@dataclass
class _Part:
    label: str
    body: str
    is_json: bool = False


def _text(content: Any) -> str:
    parts = content if isinstance(content, list) else []
    return "\n\n".join(str(part.get("text", "")) for part in parts if isinstance(part, dict))


def transcript_parts(data: dict[str, Any]) -> list[_Part]:
    """What the transcript shows of one item: messages as text, everything else as JSON."""
    kind = data.get("type")
    if kind == "user_message":
        parts = [_Part("quoted", data["quoted_text"])] if data.get("quoted_text") else []
        parts.append(_Part("", _text(data.get("content"))))
        if data.get("attachments"):
            parts.append(_Part("attachments", pretty_json([a.get("name") for a in data["attachments"]]), True))
        return parts
    if kind == "assistant_message":
        parts = [_Part("", _text(data.get("content")))]
        content = [part for part in data.get("content") or [] if isinstance(part, dict)]
        sources = [annotation for part in content for annotation in part.get("annotations") or []]
        return parts + ([_Part("sources", pretty_json(sources), True)] if sources else [])
    if kind == "client_tool_call":
        return [
            _Part("tool", f"{data.get('name')} ({data.get('status')})"),
            _Part("arguments", pretty_json(data.get("arguments")), True),
            _Part("output", pretty_json(data.get("output")), True),
        ]
    return [_Part("", pretty_json({k: v for k, v in data.items() if k not in _ITEM_KEYS}), True)]


def render(thread: Thread) -> str:
    """The thread's transcript as HTML, for its admin page."""
    rows = list(
        Item.objects.filter(thread_id=thread.thread_id)
        .order_by("created_at", "seq")
        .values("seq", "item_id", "type", "created_at", "data")[: TRANSCRIPT_LIMIT + 1]
    )
    entries = [
        {
            **row,
            "url": reverse("admin:chatkit_app_item_change", args=[row["seq"]]),
            "parts": transcript_parts(row["data"]),
        }
        for row in rows[:TRANSCRIPT_LIMIT]
    ]
    context = {
        "entries": entries,
        "more": len(rows) > TRANSCRIPT_LIMIT,
        "limit": TRANSCRIPT_LIMIT,
        "items_url": reverse("admin:chatkit_app_item_changelist") + "?" + urlencode({"q": thread.thread_id}),
    }
    return render_to_string("admin/chatkit_app/transcript.html", context)
