"""A ChatKit widget as HTML, drawn on the server from its JSON: the card its user saw, for an operator to read.

One renderer per component of `chatkit.widgets` (layout, text, badges,
buttons, images, form fields, charts), walking the tree. Nothing drawn here
acts: buttons and list rows are labels that name their action, form fields
are boxes showing their value (never inputs inside the admin's form), images
are links, not fetched. Every text is escaped; layout props become CSS only
through `style`. A component this module does not know shows as a
labelled placeholder with its JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from chatkit_app.console.markdown import render_markdown
from chatkit_app.console.records import pretty_json
from chatkit_app.console.widgets.icons import icon
from chatkit_app.console.widgets.style import box_style, space, style_attr, text_style

MAX_DEPTH = 40  # deeper trees are not a card anyone saw; their rest shows as JSON

Node = dict[str, Any]


def render_widget(widget: Any) -> SafeString:
    """The widget (its JSON) as HTML."""
    return mark_safe(_node(widget, 0))  # noqa: S308 - every value below is escaped or pattern-checked


def _node(node: Any, depth: int) -> str:
    if not isinstance(node, dict):
        return ""
    render = _RENDERERS.get(str(node.get("type")))
    if render is None or depth > MAX_DEPTH:
        return _unknown(node)
    return render(node, depth)


def _children(node: Node, depth: int) -> str:
    children = node.get("children")
    if isinstance(children, dict):  # a Transition's single child
        children = [children]
    if not isinstance(children, list):
        return ""
    return "".join(_node(child, depth + 1) for child in children)


def _classes(*names: Any) -> str:
    return " ".join(escape(name) for name in names if isinstance(name, str) and name)


def _token(prefix: str, value: Any) -> str:
    """A class for a size/weight/colour token (`ck-size-sm`); nothing for any other value."""
    return f"{prefix}-{value}" if isinstance(value, str) and value.replace("-", "").isalnum() else ""


def _status(node: Node) -> str:
    status = node.get("status")
    if not isinstance(status, dict) or not status.get("text"):
        return ""
    return f'<div class="ck-status">{icon(status.get("icon") or "dot")} {escape(status["text"])}</div>'


# --- layout -----------------------------------------------------------------


def _box(direction: str) -> Callable[[Node, int], str]:
    def render(node: Node, depth: int) -> str:
        way = node.get("direction") if node.get("direction") in ("row", "col") else direction
        form = " ck-form" if node.get("type") == "Form" else ""
        action = _action_note(node.get("onSubmitAction"))
        return f'<div class="ck-box ck-{way}{form}"{box_style(node)}>{_children(node, depth)}{action}</div>'

    return render


def _card(node: Node, depth: int) -> str:
    size = node.get("size") if node.get("size") in ("sm", "md", "lg", "full") else "md"
    actions = [node[key] for key in ("cancel", "confirm") if isinstance(node.get(key), dict)]
    footer = "".join(_inert_button(a.get("label"), a.get("action"), primary=a is node.get("confirm")) for a in actions)
    body = f'<div class="ck-box ck-col ck-card-body">{_children(node, depth)}</div>'
    collapsed = '<div class="ck-note">collapsed after its action</div>' if node.get("collapsed") else ""
    footer_html = f'<div class="ck-card-footer">{footer}</div>' if footer else ""
    style = box_style({"background": node.get("background"), "padding": node.get("padding")})
    return f'<div class="ck-card ck-card-{size}"{style}>{_status(node)}{collapsed}{body}{footer_html}</div>'


def _list_view(node: Node, depth: int) -> str:
    return f'<div class="ck-listview">{_status(node)}{_children(node, depth)}</div>'


def _list_item(node: Node, depth: int) -> str:
    action = _action_note(node.get("onClickAction"))
    style = box_style({"gap": node.get("gap", 2), "align": node.get("align", "center")})
    return f'<div class="ck-box ck-row ck-listitem"{style}>{_children(node, depth)}{action}</div>'


def _transition(node: Node, depth: int) -> str:
    return _children(node, depth)


def _divider(node: Node, depth: int) -> str:
    gap = space(node.get("spacing"))
    return f'<hr class="ck-divider"{style_attr([("margin", f"{gap} 0" if gap else None)])}>'


def _spacer(node: Node, depth: int) -> str:
    return f'<div class="ck-spacer"{style_attr([("min-width", space(node.get("minSize")))])}></div>'


# --- text -------------------------------------------------------------------


def _text(kind: str, key: str = "value") -> Callable[[Node, int], str]:
    def render(node: Node, depth: int) -> str:
        classes = _classes(
            f"ck-{kind}",
            _token("ck-size", node.get("size")),
            _token("ck-weight", node.get("weight")),
            _token("ck-align", node.get("textAlign")),
            "ck-italic" if node.get("italic") else "",
            "ck-strike" if node.get("lineThrough") else "",
            "ck-truncate" if node.get("truncate") else "",
        )
        return f'<div class="{classes}"{text_style(node)}>{escape(node.get(key) or "")}</div>'

    return render


def _markdown(node: Node, depth: int) -> str:
    return f'<div class="ck-markdown">{render_markdown(str(node.get("value") or ""))}</div>'


def _badge(node: Node, depth: int) -> str:
    classes = _classes(
        "ck-badge",
        _token("ck-badge", node.get("color") or "secondary"),
        _token("ck-variant", node.get("variant") or "soft"),
        "ck-pill" if node.get("pill") else "",
    )
    return f'<span class="{classes}">{escape(node.get("label") or "")}</span>'


def _icon(node: Node, depth: int) -> str:
    size = _token("ck-icon", node.get("size"))
    drawing = icon(node.get("name"), label=str(node.get("name")))
    return f'<span class="ck-icon-box {size}"{text_style(node)}>{drawing}</span>'


# --- actions: shown, never wired ----------------------------------------------


def _action_note(action: Any) -> str:
    if not isinstance(action, dict) or not action.get("type"):
        return ""
    return f'<span class="ck-action" title="The action this sends">→ {escape(action["type"])}</span>'


def _inert_button(label: Any, action: Any, *, primary: bool = False, node: Node | None = None) -> str:
    node = node or {}
    kind = action.get("type") if isinstance(action, dict) else None
    disabled = bool(node.get("disabled"))
    title = f"Sends the action {kind}" if kind else "A button with no action"
    classes = _classes(
        "ck-button",
        _token(
            "ck-variant", node.get("variant") or ("solid" if primary or node.get("style") == "primary" else "outline")
        ),
        _token("ck-button", node.get("color")),
        _token("ck-size", node.get("size")),
        "ck-pill" if node.get("pill") else "",
        "ck-block" if node.get("block") else "",
        "ck-disabled" if disabled else "",
    )
    start = icon(node["iconStart"]) if node.get("iconStart") else ""
    end = icon(node["iconEnd"]) if node.get("iconEnd") else ""
    text = escape(label or "") or (escape(node.get("iconStart") or "button") if start else "button")
    state = ' aria-disabled="true"' if disabled else ""
    return (
        f'<span class="{classes}" title="{escape(title + (" (disabled)" if disabled else ""))}"{state}>'
        f"{start}<span>{text}</span>{end}</span>"
    )


def _button(node: Node, depth: int) -> str:
    return _inert_button(node.get("label"), node.get("onClickAction"), node=node)


# --- media --------------------------------------------------------------------


def web_link(url: Any, text: str, css_class: str = "") -> str:
    """A link to an http(s) address, opened elsewhere and never fetched here; other addresses as text."""
    href = str(url or "")
    scheme = urlsplit(href).scheme.lower() if len(href) < 4096 else ""
    if scheme not in ("http", "https"):
        return f'<span class="{css_class}">{escape(text)} <span class="ck-note">(address not shown)</span></span>'
    host = urlsplit(href).hostname or ""
    return (
        f'<a class="{css_class}" href="{escape(href)}" target="_blank" rel="noopener noreferrer nofollow">'
        f'{escape(text)}</a> <span class="ck-note">{escape(host)}</span>'
    )


def _image(node: Node, depth: int) -> str:
    link = web_link(node.get("src"), node.get("alt") or "image", "ck-image-link")
    return f'<div class="ck-image"{box_style(node)}>{icon("images")} {link}</div>'


# --- form fields: their value, as the user saw it -------------------------------


def _field(node: Node, depth: int) -> str:
    value = node.get("defaultValue")
    text = (
        escape(str(value))
        if value not in (None, "")
        else f'<span class="ck-note">{escape(node.get("placeholder") or "")}</span>'
    )
    kind = str(node.get("type"))
    if kind == "Select":
        options = {o.get("value"): o.get("label") for o in node.get("options") or [] if isinstance(o, dict)}
        text = escape(options.get(value) or "") if value in options else text
        text += ' <span class="ck-note">▾</span>'
    if kind == "DatePicker":
        text = f"{icon('calendar')} {text}"
    area = " ck-textarea" if kind == "Textarea" else ""
    return f'<span class="ck-field{area}" title="{escape(kind)} {escape(node.get("name") or "")}">{text}</span>'


def _checkbox(node: Node, depth: int) -> str:
    mark = "☑" if node.get("defaultChecked") else "☐"
    return f'<span class="ck-choice">{mark} {escape(node.get("label") or "")}</span>'


def _radio_group(node: Node, depth: int) -> str:
    chosen = node.get("defaultValue")
    options = [o for o in node.get("options") or [] if isinstance(o, dict)]
    marks = "".join(
        f'<span class="ck-choice">{"◉" if o.get("value") == chosen else "○"} {escape(o.get("label") or "")}</span>'
        for o in options
    )
    way = "row" if node.get("direction") == "row" else "col"
    return f'<div class="ck-box ck-{way}" style="gap: 4px">{marks}</div>'


def _label(node: Node, depth: int) -> str:
    return _text("label")(node, depth)


# --- charts: their data, as a table ---------------------------------------------


def _chart(node: Node, depth: int) -> str:
    axis = node.get("xAxis")
    x_key = axis.get("dataKey") if isinstance(axis, dict) else axis
    series = [s for s in node.get("series") or [] if isinstance(s, dict)]
    rows = [row for row in node.get("data") or [] if isinstance(row, dict)]
    head = "".join(
        f"<th>{escape(s.get('label') or s.get('dataKey') or '')} ({escape(s.get('type') or '')})</th>" for s in series
    )
    body = "".join(
        f"<tr><th>{escape(row.get(x_key, ''))}</th>"
        + "".join(f"<td>{escape(row.get(s.get('dataKey'), ''))}</td>" for s in series)
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="ck-chart"><div class="ck-note">{icon("chart")} chart, as its data</div>'
        f"<table><thead><tr><th>{escape(x_key or '')}</th>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _unknown(node: Node) -> str:
    return (
        f'<div class="ck-unknown"><div class="ck-note">A {escape(node.get("type") or "component")} '
        f"(not drawn here; its JSON):</div><pre>{escape(pretty_json(node))}</pre></div>"
    )


_RENDERERS: dict[str, Callable[[Node, int], str]] = {
    "Card": _card,
    "ListView": _list_view,
    "ListViewItem": _list_item,
    "Basic": _box("col"),
    "Box": _box("col"),
    "Row": _box("row"),
    "Col": _box("col"),
    "Form": _box("col"),
    "Transition": _transition,
    "Divider": _divider,
    "Spacer": _spacer,
    "Text": _text("text"),
    "Title": _text("title"),
    "Caption": _text("caption"),
    "Label": _label,
    "Markdown": _markdown,
    "Badge": _badge,
    "Icon": _icon,
    "Button": _button,
    "Image": _image,
    "Input": _field,
    "Textarea": _field,
    "Select": _field,
    "DatePicker": _field,
    "Checkbox": _checkbox,
    "RadioGroup": _radio_group,
    "Chart": _chart,
}
