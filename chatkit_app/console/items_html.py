"""One ChatKit item as the transcript shows it: what the user saw, or what they never saw, marked as such.

User text stays plain, escaped; the assistant's Markdown goes through
`markdown` (sanitized); cards through `widgets`; workflows as their task
lists; client tool calls with their arguments and the browser's answer;
hidden context in a frame saying the user did not see it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape

from chatkit_app.attachments.types import RASTER_TYPES
from chatkit_app.console.markdown import render_markdown
from chatkit_app.console.records import pretty_json
from chatkit_app.console.widgets import render_widget
from chatkit_app.console.widgets.components import web_link
from chatkit_app.console.widgets.icons import icon

AttachmentURL = Callable[[str], str]


@dataclass(frozen=True)
class ItemView:
    role: str  # the CSS class of its frame: user, assistant, card, work, tool, hidden, marker
    label: str
    body: str  # HTML


def _hidden_note(what: str) -> str:
    return f'<div class="mk-hidden-note">{icon("info")} {escape(what)}</div>'


def _json(value: Any) -> str:
    return f'<pre class="mk-json">{escape(pretty_json(value))}</pre>'


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _parts(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [part for part in data.get("content") or [] if isinstance(part, dict)]


# --- messages -----------------------------------------------------------------


def _attachment(attachment: dict[str, Any], url: AttachmentURL) -> str:
    name, mime_type = str(attachment.get("name") or "attachment"), str(attachment.get("mime_type") or "")
    link = url(str(attachment.get("id") or ""))
    if attachment.get("type") == "image" and mime_type in RASTER_TYPES:
        # Served by the admin's own route, inline only when the file's bytes are a raster image.
        return (
            f'<a class="mk-thumb" href="{escape(link)}" target="_blank" title="{escape(name)}">'
            f'<img src="{escape(link)}" alt="{escape(name)}" loading="lazy" decoding="async"></a>'
        )
    label = f"{icon('document')} {escape(name)} <span>{escape(mime_type)}</span>"
    return f'<a class="mk-file" href="{escape(link)}">{label}</a>'


def user_message(data: dict[str, Any], url: AttachmentURL) -> ItemView:
    html = []
    if data.get("quoted_text"):
        html.append(f'<blockquote class="mk-quote">{escape(data["quoted_text"])}</blockquote>')
    for part in _parts(data):
        if part.get("type") == "input_tag":
            html.append(f'<span class="mk-tag">@{escape(part.get("text") or "")}</span>')
        else:
            html.append(f'<div class="mk-user-text">{escape(part.get("text") or "")}</div>')
    attachments = [a for a in data.get("attachments") or [] if isinstance(a, dict)]
    if attachments:
        html.append(f'<div class="mk-attachments">{"".join(_attachment(a, url) for a in attachments)}</div>')
    return ItemView("user", "User", "".join(html))


def _source(annotation: dict[str, Any]) -> str:
    source = _dict(annotation.get("source"))
    title = str(source.get("title") or source.get("filename") or source.get("id") or "source")
    if source.get("type") == "url":
        return f"<li>{web_link(source.get('url'), title)}</li>"
    return f"<li>{escape(title)} <span class='ck-note'>{escape(source.get('type') or '')}</span></li>"


def assistant_message(data: dict[str, Any], url: AttachmentURL) -> ItemView:
    parts = _parts(data)
    html = [f'<div class="mk-markdown">{render_markdown(str(part.get("text") or ""))}</div>' for part in parts]
    sources = [a for part in parts for a in part.get("annotations") or [] if isinstance(a, dict)]
    if sources:
        html.append(f'<ol class="mk-sources">{"".join(_source(a) for a in sources)}</ol>')
    return ItemView("assistant", "Assistant", "".join(html))


# --- cards, work, tools ---------------------------------------------------------


def widget(data: dict[str, Any], url: AttachmentURL) -> ItemView:
    return ItemView("card", "Card", f'<div class="mk-widget">{render_widget(data.get("widget"))}</div>')


_STATUS = {"complete": ("check-circle", "done"), "loading": ("reload", "in progress"), "none": ("dot", "")}


def _task(task: Any) -> str:
    if not isinstance(task, dict):
        return ""
    glyph, status = _STATUS.get(str(task.get("status_indicator")), _STATUS["none"])
    title = escape(task.get("title") or task.get("title_query") or task.get("type") or "task")
    detail = ""
    if task.get("content"):
        detail = f'<div class="mk-task-content">{render_markdown(str(task["content"]))}</div>'
    queries = "".join(f"<li>{escape(q)}</li>" for q in task.get("queries") or [])
    links = "".join(
        f"<li>{web_link(s.get('url'), str(s.get('title') or s.get('url')))}</li>"
        if s.get("type") == "url"
        else f"<li>{escape(s.get('title') or s.get('filename') or '')}</li>"
        for s in task.get("sources") or []
        if isinstance(s, dict)
    )
    extra = f"<ul>{queries}{links}</ul>" if queries or links else ""
    return (
        f'<li class="mk-task mk-task-{escape(task.get("status_indicator") or "none")}" title="{status}">'
        f'<span class="mk-task-icon">{icon(task.get("icon") or glyph)}</span>'
        f'<div><div class="mk-task-title">{title}</div>{detail}{extra}</div></li>'
    )


def workflow(data: dict[str, Any], url: AttachmentURL) -> ItemView:
    flow = _dict(data.get("workflow"))
    summary = _dict(flow.get("summary"))
    if summary.get("title"):
        heading: str = escape(summary["title"])
    elif summary.get("duration"):
        verb = "Thought" if flow.get("type") == "reasoning" else "Worked"
        heading = f"{verb} for {escape(summary['duration'])} s"
    else:
        heading = "Reasoning" if flow.get("type") == "reasoning" else "Workflow"
    steps = flow.get("tasks") or []
    heading += f' <span class="ck-note">{len(steps)} step{"s" if len(steps) != 1 else ""}</span>'
    tasks = "".join(_task(task) for task in steps)
    return ItemView("work", "Workflow", f'<div class="mk-work-title">{heading}</div><ol class="mk-tasks">{tasks}</ol>')


def task(data: dict[str, Any], url: AttachmentURL) -> ItemView:
    return ItemView("work", "Task", f'<ol class="mk-tasks">{_task(data.get("task"))}</ol>')


def client_tool_call(data: dict[str, Any], url: AttachmentURL) -> ItemView:
    status = str(data.get("status") or "pending")
    answer = _json(data.get("output")) if status == "completed" else '<p class="ck-note">No answer yet.</p>'
    color = "success" if status == "completed" else "warning"
    body = (
        f'<div class="mk-tool-name">{icon("bolt")} <code>{escape(data.get("name") or "")}</code> '
        f'<span class="ck-badge ck-badge-{color}">{escape(status)}</span></div><div class="mk-tool-grid">'
        f'<div><div class="mk-small-label">Arguments</div>{_json(data.get("arguments"))}</div>'
        f'<div><div class="mk-small-label">The browser\'s answer</div>{answer}</div></div>'
    )
    return ItemView("tool", "Client tool call", body)


def generated_image(data: dict[str, Any], url: AttachmentURL) -> ItemView:
    image = _dict(data.get("image"))
    body = web_link(image.get("url"), "the generated image") if image else '<p class="ck-note">Not generated yet.</p>'
    return ItemView("card", "Generated image", f"{icon('images')} {body}")


def structured_input(data: dict[str, Any], url: AttachmentURL) -> ItemView:
    rows = []
    for question in data.get("inputs") or []:
        if not isinstance(question, dict):
            continue
        options = ", ".join(str(o.get("value")) for o in question.get("options") or [] if isinstance(o, dict))
        answer = _dict(question.get("answer"))
        said = "skipped" if answer.get("skipped") else ", ".join(map(str, answer.get("values") or [])) or "no answer"
        rows.append(
            f"<li><strong>{escape(question.get('question') or '')}</strong>"
            + (f' <span class="ck-note">({escape(options)})</span>' if options else "")
            + f'<div class="mk-answer">→ {escape(said)}</div></li>'
        )
    return ItemView("work", f"Questions ({escape(data.get('status') or 'pending')})", f"<ul>{''.join(rows)}</ul>")


# --- what the user never saw ------------------------------------------------------


def hidden_context(data: dict[str, Any], url: AttachmentURL) -> ItemView:
    content = data.get("content")
    shown = f'<div class="mk-user-text">{escape(content)}</div>' if isinstance(content, str) else _json(content)
    note = _hidden_note("Hidden context: the model reads it, the user never saw it.")
    return ItemView("hidden", "Hidden context", note + shown)


def sdk_hidden_context(data: dict[str, Any], url: AttachmentURL) -> ItemView:
    note = f"SDK note to the model, not shown to the user: {data.get('content') or ''}"
    return ItemView("marker", "SDK hidden context", escape(note))


def end_of_turn(data: dict[str, Any], url: AttachmentURL) -> ItemView:
    return ItemView("marker", "End of turn", "End of turn")


def unknown(data: dict[str, Any], url: AttachmentURL) -> ItemView:
    body = _json({k: v for k, v in data.items() if k not in ("id", "thread_id", "created_at")})
    return ItemView("hidden", str(data.get("type") or "item"), body)


VIEWS: dict[str, Callable[[dict[str, Any], AttachmentURL], ItemView]] = {
    "user_message": user_message,
    "assistant_message": assistant_message,
    "widget": widget,
    "workflow": workflow,
    "task": task,
    "client_tool_call": client_tool_call,
    "generated_image": generated_image,
    "structured_input": structured_input,
    "hidden_context_item": hidden_context,
    "sdk_hidden_context": sdk_hidden_context,
    "end_of_turn": end_of_turn,
}


def item_view(data: dict[str, Any], attachment_url: AttachmentURL) -> ItemView:
    """What the transcript shows of one item (its JSON, as stored)."""
    return VIEWS.get(str(data.get("type")), unknown)(data, attachment_url)
