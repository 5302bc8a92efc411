"""Markdown the model wrote, as HTML an operator can read safely: markdown-it-py renders it, nh3 sanitizes it.

Model output is hostile input (a prompt can make it write anything), so two
layers stand between it and the admin: markdown-it escapes raw HTML rather
than passing it through, and nh3 keeps only the tags and attributes listed
here, drops event handlers and styles, and allows links to http(s) and
mailto only. Images are not fetched: each becomes a link to its address,
since loading one would tell its host when an operator reads the thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.token import Token

_TAGS = {
    "p", "br", "hr", "strong", "em", "s", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td", "a", "span",
}  # fmt: skip

_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    clean_content_tags={"script", "style"},
    attributes={"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}},
    allowed_classes={"span": {"md-image"}},
    url_schemes={"http", "https", "mailto"},
    url_relative="deny",  # a relative link would point into the admin itself
    link_rel="noopener noreferrer nofollow",
    set_tag_attribute_values={"a": {"target": "_blank"}},
)


def _image_as_link(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    alt = "".join(child.content for child in token.children or []) or "image"
    src = str(token.attrGet("src") or "")
    return f'<span class="md-image">🖼 <a href="{escape(src)}">{escape(alt)}</a></span>'


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable(["table", "strikethrough"])
    parser.add_render_rule("image", _image_as_link)
    return parser


_PARSER = _parser()


def render_markdown(text: str) -> SafeString:
    """`text` (Markdown) as sanitized HTML."""
    return mark_safe(_CLEANER.clean(_PARSER.render(text)))  # noqa: S308 - nh3 has just sanitized it
