"""A widget's layout props (gap, padding, width, colours, borders...) as inline CSS, from values that pass a pattern.

Widget JSON comes from the model, so no value reaches a `style` attribute as
written: numbers become lengths, strings must look like a length, a ratio or
a colour, and tokens map to the transcript's own CSS variables. Anything
else is dropped (a `url(...)` background would fetch from a host the model chose).
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.html import escape

SPACING_UNIT_PX = 4  # a spacing unit of ChatKit's widgets (gap: 2 is 8 px)

_LENGTH = re.compile(r"-?\d{1,5}(\.\d{1,3})?(px|%|rem|em|vh|vw|ch)?|auto|fit-content|max-content|min-content")
_RATIO = re.compile(r"\d{1,4}(\.\d{1,3})?(\s*/\s*\d{1,4}(\.\d{1,3})?)?")
_FLEX = re.compile(r"\d{1,3}(\.\d{1,3})?(\s+\d{1,3}(\.\d{1,3})?)?(\s+(auto|\d{1,5}(px|%)?))?|auto|none")
_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}|(rgb|rgba|hsl|hsla)\([\d\s.,%/]{1,60}\)|[a-zA-Z]{3,20}")
_PRIMITIVE = re.compile(r"(gray|red|orange|yellow|green|teal|blue|indigo|purple|pink|alpha)-(\d{2,3})")
_HUES = {"red": 0, "orange": 28, "yellow": 48, "green": 142, "teal": 174, "blue": 217, "indigo": 239, "purple": 271}
_HUES["pink"] = 330

# Colour tokens of ChatKit, as the transcript's CSS variables (which follow the admin's dark mode).
_TEXT_TOKENS = {
    "prose": "var(--body-fg)",
    "primary": "var(--body-loud-color)",
    "emphasis": "var(--body-loud-color)",
    "secondary": "var(--body-quiet-color)",
    "tertiary": "var(--ck-tertiary)",
    "success": "var(--ck-success)",
    "warning": "var(--ck-warning)",
    "danger": "var(--ck-danger)",
    "info": "var(--ck-info)",
    "discovery": "var(--ck-discovery)",
    "caution": "var(--ck-warning)",
}
_SURFACE_TOKENS = {
    "surface": "var(--ck-surface)",
    "surface-secondary": "var(--darkened-bg)",
    "surface-tertiary": "var(--selected-bg)",
    "surface-elevated": "var(--ck-surface)",
    "surface-elevated-secondary": "var(--darkened-bg)",
}
_BORDER_TOKENS = {
    "default": "var(--border-color)",
    "subtle": "var(--hairline-color)",
    "strong": "var(--body-quiet-color)",
}
_RADII = {"2xs": 2, "xs": 4, "sm": 6, "md": 8, "lg": 12, "xl": 16, "2xl": 20, "3xl": 24, "4xl": 32, "none": 0}
_ALIGN = {"start": "flex-start", "center": "center", "end": "flex-end", "baseline": "baseline", "stretch": "stretch"}
_JUSTIFY = {"start": "flex-start", "center": "center", "end": "flex-end", "stretch": "stretch"}
_JUSTIFY |= {"between": "space-between", "around": "space-around", "evenly": "space-evenly"}


def length(value: Any) -> str | None:
    """A size in px, or a CSS length that looks like one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return f"{value:g}px"
    if isinstance(value, str) and _LENGTH.fullmatch(value.strip()):
        text = value.strip()
        return f"{text}px" if text.lstrip("-").replace(".", "").isdigit() else text
    return None


def space(value: Any) -> str | None:
    """A gap or margin: a number of spacing units, or a CSS length."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value * SPACING_UNIT_PX:g}px"
    return length(value)


def _sides(value: Any) -> str | None:
    """Padding or margin: one spacing for all sides, or a `Spacing` object of sides."""
    if not isinstance(value, dict):
        return space(value)
    x, y = value.get("x", 0), value.get("y", 0)
    sides = [value.get("top", y), value.get("right", x), value.get("bottom", y), value.get("left", x)]
    css = [space(side) or "0" for side in sides]
    return " ".join(css)


def color(value: Any, tokens: dict[str, str] | None = None) -> str | None:
    """A colour token, a primitive (`blue-500`), a CSS colour, or a `{light, dark}` pair (following dark mode)."""
    if isinstance(value, dict):
        light, dark = color(value.get("light"), tokens), color(value.get("dark"), tokens)
        return f"light-dark({light}, {dark})" if light and dark else light or dark
    if not isinstance(value, str):
        return None
    if value in (tokens or _TEXT_TOKENS):
        return (tokens or _TEXT_TOKENS)[value]
    primitive = _PRIMITIVE.fullmatch(value)
    if primitive:
        hue, shade = primitive.group(1), int(primitive.group(2))
        if hue in ("gray", "alpha"):
            return f"hsl(220 9% {max(8, 98 - shade // 10):d}%)"
        return f"hsl({_HUES[hue]} 70% {max(12, 96 - shade // 11):d}%)"
    return value if _COLOR.fullmatch(value) else None


def _border(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value}px solid var(--border-color)"
    if isinstance(value, dict) and isinstance(value.get("size"), int):
        style = value.get("style") if value.get("style") in ("solid", "dashed", "dotted", "double") else "solid"
        return f"{value['size']}px {style} {color(value.get('color'), _BORDER_TOKENS) or 'var(--border-color)'}"
    return None


def _borders(value: Any) -> list[tuple[str, str]]:
    whole = _border(value)
    if whole or not isinstance(value, dict):
        return [("border", whole)] if whole else []
    edges = {"top": value.get("top", value.get("y")), "bottom": value.get("bottom", value.get("y"))}
    edges |= {"left": value.get("left", value.get("x")), "right": value.get("right", value.get("x"))}
    return [(f"border-{edge}", css) for edge, side in edges.items() if (css := _border(side))]


def _flex(value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g} 1 0%"
    return value if isinstance(value, str) and _FLEX.fullmatch(value) else None


def _ratio(value: Any) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    return value if isinstance(value, str) and _RATIO.fullmatch(value) else None


def _radius(value: Any) -> str | None:
    if value in ("full", "100%"):
        return "9999px"
    return f"{_RADII[value]}px" if value in _RADII else None


def _one_of(allowed: dict[str, str]) -> Any:
    return lambda value: allowed.get(value) if isinstance(value, str) else None


_WRAP = {"nowrap": "nowrap", "wrap": "wrap", "wrap-reverse": "wrap-reverse"}

# A container's props in CSS: (prop, CSS properties it sets, how its value becomes CSS). Shorthands
# (`size`) come before the props they stand for, which override them, as later CSS rules do.
_BOX_PROPS: list[tuple[str, tuple[str, ...], Any]] = [
    ("gap", ("gap",), space),
    ("padding", ("padding",), _sides),
    ("margin", ("margin",), _sides),
    ("flex", ("flex",), _flex),
    ("align", ("align-items",), _one_of(_ALIGN)),
    ("justify", ("justify-content",), _one_of(_JUSTIFY)),
    ("wrap", ("flex-wrap",), _one_of(_WRAP)),
    ("background", ("background",), lambda value: color(value, _SURFACE_TOKENS)),
    ("radius", ("border-radius",), _radius),
    ("aspectRatio", ("aspect-ratio",), _ratio),
    ("size", ("width", "height"), length),
    ("minSize", ("min-width", "min-height"), length),
    ("maxSize", ("max-width", "max-height"), length),
    ("width", ("width",), length),
    ("height", ("height",), length),
    ("minWidth", ("min-width",), length),
    ("minHeight", ("min-height",), length),
    ("maxWidth", ("max-width",), length),
    ("maxHeight", ("max-height",), length),
]


def box_style(node: dict[str, Any]) -> str:
    """The inline style of a container (Box, Row, Col, Card...) or an image, from its props."""
    rules: list[tuple[str, str | None]] = []
    for prop, css, to_css in _BOX_PROPS:
        if node.get(prop) is not None:
            value = to_css(node[prop])
            rules += [(name, value) for name in css]
    if node.get("border") is not None:
        rules += _borders(node["border"])
    return style_attr(rules)


def text_style(node: dict[str, Any]) -> str:
    """The inline style of a text: its colour and width, when given."""
    return style_attr([("color", color(node.get("color"))), ("width", length(node.get("width")))])


def style_attr(rules: list[tuple[str, str | None]]) -> str:
    """` style="..."` for the rules that have a value, or nothing."""
    css = "; ".join(f"{prop}: {value}" for prop, value in rules if value)
    return f' style="{escape(css)}"' if css else ""
