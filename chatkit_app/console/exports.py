"""A thread exported from its admin page: as JSON (its ChatKit items as stored, plus each reply's usage and the
feedback), and as Markdown a person reads (the turns, cards as text, tool calls, each reply's figures)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from chatkit_app.console.conversation import REQUESTS, Conversation, ItemRow, cost_label, figures, load
from chatkit_app.console.records import pretty_json
from chatkit_app.models import Reply, Thread

_FEEDBACK = {"positive": "👍", "negative": "👎"}


# --- JSON -------------------------------------------------------------------------


def _reply_json(reply: Reply) -> dict[str, Any]:
    return {
        "item_id": reply.item_id or None,
        "request_type": reply.request_type,
        "model": reply.model,
        "offline": reply.offline,
        "input_tokens": reply.input_tokens,
        "cached_tokens": reply.cached_tokens,
        "output_tokens": reply.output_tokens,
        "requests": reply.requests,
        "tool_calls": reply.tool_calls,
        "first_token_ms": reply.first_token_ms,
        "total_ms": reply.total_ms,
        "outcome": reply.outcome,
        "error_code": reply.error_code or None,
        "cost_usd": str(reply.cost) if reply.cost is not None else None,
        "started_at": reply.started_at.isoformat(),
    }


def thread_json(thread: Thread) -> dict[str, Any]:
    """The whole thread: `items` are ChatKit ThreadItems as stored; `replies` what each reply cost."""
    conversation = load(thread)
    ids = {item.seq: item.item_id for item in conversation.items}
    return {
        "thread": thread.data,
        "items": [item.data for item in conversation.items],
        "replies": [_reply_json(reply) for reply in conversation.all_replies()],
        "feedback": [
            {"item_id": ids[seq], "kind": kind} for seq, kinds in conversation.feedback.items() for kind in kinds
        ],
        "exported_at": timezone.now().isoformat(),
    }


# --- Markdown -----------------------------------------------------------------------


def _fenced(text: str, language: str = "") -> str:
    """`text` in a code fence longer than any run of backticks inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines() or [""])


def _texts(node: Any) -> list[str]:
    """A widget as lines of text: a row's parts on one line, a column's one under another."""
    if not isinstance(node, dict):
        return []
    kind = node.get("type")
    if kind in ("Text", "Title", "Caption", "Markdown", "Label"):
        return [str(node.get("value") or "")]
    if kind == "Badge":
        return [f"({node.get('label') or ''})"]
    if kind == "Button":
        return [f"[{node.get('label') or node.get('iconStart') or 'button'}]"]
    if kind == "Image":
        return [f"image: {node.get('alt') or ''} <{node.get('src') or ''}>"]
    children = node.get("children")
    children = [children] if isinstance(children, dict) else children if isinstance(children, list) else []
    lines = [line for child in children for line in _texts(child)]
    if kind in ("Row", "ListViewItem") or (kind in ("Box", "Form") and node.get("direction") == "row"):
        return [" · ".join(line for line in lines if line)]
    return lines


def widget_outline(data: dict[str, Any]) -> str:
    """A card as text: its copy text when it has one, else what it shows, line by line."""
    if data.get("copy_text"):
        return str(data["copy_text"])
    return "\n".join(line for line in _texts(data.get("widget")) if line)


def _tasks(data: dict[str, Any]) -> str:
    flow = data["workflow"] if isinstance(data.get("workflow"), dict) else {"tasks": [data.get("task")]}
    lines = []
    for task in flow.get("tasks") or []:
        if isinstance(task, dict):
            done = "x" if task.get("status_indicator") == "complete" else " "
            content = f" — {task['content']}" if task.get("content") else ""
            lines.append(f"- [{done}] {task.get('title') or task.get('type')}{content}")
    return "\n".join(lines)


def _item_markdown(item: ItemRow) -> tuple[str, str]:
    """(heading, body) of one item."""
    data, kind = item.data, item.type
    content = data.get("content")
    parts = [p for p in content if isinstance(p, dict)] if isinstance(content, list) else []
    if kind == "user_message":
        text = "\n\n".join(str(p.get("text") or "") for p in parts)
        names = [str(a.get("name")) for a in data.get("attachments") or [] if isinstance(a, dict)]
        attached = f"\n\nAttachments: {', '.join(names)}" if names else ""
        return "User", _quoted(text) + attached
    if kind == "assistant_message":
        return "Assistant", "\n\n".join(str(p.get("text") or "") for p in parts)
    if kind == "widget":
        return "Card", _fenced(widget_outline(data), "text")
    if kind in ("workflow", "task"):
        return "Workflow", _tasks(data)
    if kind == "client_tool_call":
        answer = _fenced(pretty_json(data.get("output")), "json") if data.get("status") == "completed" else "None yet."
        arguments = _fenced(pretty_json(data.get("arguments")), "json")
        body = f"Arguments:\n\n{arguments}\n\nThe browser's answer:\n\n{answer}"
        return f"Client tool call `{data.get('name')}` ({data.get('status')})", body
    if kind == "hidden_context_item":
        content = data.get("content")
        shown = content if isinstance(content, str) else pretty_json(content)
        return "Hidden context (the user did not see it)", _fenced(shown, "")
    if kind == "sdk_hidden_context":
        return "SDK hidden context (the user did not see it)", str(data.get("content") or "")
    if kind == "end_of_turn":
        return "End of turn", ""
    return kind, _fenced(pretty_json(data), "json")


def _reply_line(reply: Reply) -> str:
    parts = []
    for name, value in figures(reply):
        if name == "cost" and reply.cost is None:
            parts.append("no price for this model")
        else:
            parts.append(value if name in ("model", "outcome") else f"{name} {value}")
    return f"*Reply to a {REQUESTS.get(reply.request_type, reply.request_type)}: {' · '.join(parts)}*"


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S %Z")


def _header(conversation: Conversation) -> str:
    thread, replies = conversation.thread, conversation.all_replies()
    priced = [reply.cost for reply in replies if reply.cost is not None]
    cost = cost_label(sum(priced, Decimal(0))) if priced else "none priced"
    tokens = [sum(getattr(r, name) for r in replies) for name in ("input_tokens", "cached_tokens", "output_tokens")]
    return "\n".join(
        [
            f"# {thread.title or thread.thread_id}",
            "",
            f"- Thread: `{thread.thread_id}`, user `{thread.user_id}`, created {_local(thread.created_at)}",
            f"- {len(conversation.items)} items, {len(replies)} replies: tokens in {tokens[0]:,}, "
            f"cached {tokens[1]:,}, out {tokens[2]:,}; cost {cost}",
            f"- Exported {_local(timezone.now())}",
        ]
    )


def thread_markdown(thread: Thread) -> str:
    """The whole thread as Markdown, turn by turn."""
    conversation = load(thread)
    sections = [_header(conversation)]
    for item, replies in conversation.timeline():
        heading, body = ("Reply with no message", "") if item is None else _item_markdown(item)
        when = _local(item.created_at if item else replies[0].started_at)
        lines = [f"## {heading} · {when}"] + ([body] if body else [])
        feedback = " ".join(_FEEDBACK[kind] for kind in conversation.feedback.get(item.seq, [])) if item else ""
        lines += [_reply_line(reply) for reply in replies] + ([f"Feedback: {feedback}"] if feedback else [])
        sections.append("\n\n".join(lines))
    return "\n\n---\n\n".join(sections) + "\n"
