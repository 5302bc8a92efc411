"""The usage dashboard's charts: pygal draws them as SVG on the server, and the page shows them as images.

Nothing is fetched when a chart is viewed: pygal's styles are inlined, its
script (tooltips, loaded from elsewhere by default) is left out, and each
chart is a `data:` URI for an `<img>`, where an SVG runs nothing anyway. The
background is transparent and the ink a mid grey, readable on the admin's
light and dark themes alike (an image does not see the page's CSS variables).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pygal
from pygal.etree import etree
from pygal.style import Style

from chatkit_app.console.usage import Day, usd

WIDTH, HEIGHT = 960, 300
INK = "#8a8f98"  # text and axes: contrast enough on white and on the dark theme's #121212
GRID = "rgba(138, 143, 152, 0.25)"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
# Uncached input, cached input, output; cost.
COLORS = ("#4c8bf5", "#9bbcf7", "#f29b38", "#3fae6a")
# The most date labels under one chart before they are thinned out.
MAX_LABELS = 12

_LOOK: dict[str, Any] = dict(
    background="transparent",
    plot_background="transparent",
    foreground=INK,
    foreground_strong=INK,
    foreground_subtle=GRID,
    guide_stroke_color=GRID,
    major_guide_stroke_color=GRID,
    font_family=FONT,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    value_font_size=12,
    tooltip_font_size=12,
    opacity=".9",
    opacity_hover=".9",
)
STYLE = Style(**_LOOK, colors=COLORS[:3])
COST_STYLE = Style(**_LOOK, colors=COLORS[3:])


def tokens_per_day(days: list[Day]) -> str:
    """Stacked bars: each day's input tokens (uncached, cached) and output tokens."""
    chart = _bars(days, stacked=True, formatter=_count)
    chart.config.legend_at_bottom_columns = 3
    chart.add("input (not cached)", [day.input_tokens - day.cached_tokens for day in days])
    chart.add("input (cached)", [day.cached_tokens for day in days])
    chart.add("output", [day.output_tokens for day in days])
    return _data_uri(chart)


def cost_per_day(days: list[Day]) -> str:
    """Bars: each day's cost over its priced replies, in USD."""
    chart = _bars(days, stacked=False, formatter=_dollars, style=COST_STYLE)
    chart.add("cost in USD (priced replies)", [day.cost for day in days])
    return _data_uri(chart)


def _bars(days: list[Day], stacked: bool, formatter: Callable[[Any], str], style: Style = STYLE) -> pygal.Bar:
    every = math.ceil(len(days) / MAX_LABELS)
    chart_type = pygal.StackedBar if stacked else pygal.Bar
    chart = chart_type(
        style=style,
        width=WIDTH,
        height=HEIGHT,
        js=[],  # no script from elsewhere (pygal's tooltips)
        disable_xml_declaration=True,
        legend_at_bottom=True,
        show_minor_x_labels=False,
        x_labels=[_label(day.day) for day in days],
        x_labels_major=[_label(day.day) for day in days[::every]],
        value_formatter=formatter,
        y_labels_major_count=5,
        show_y_guides=True,
        show_x_guides=False,
        include_x_axis=True,
        margin=8,
        spacing=12,
        print_values=False,
        no_data_text="No replies",
        truncate_label=-1,  # whole dates ("12 Mar"), never "12…"
        truncate_legend=-1,
    )
    return chart.add_xml_filter(_without_scripts_or_comments)


def _label(day: date) -> str:
    return f"{day.day} {day:%b}"


def _dollars(value: Any) -> str:
    return usd(Decimal(str(value or 0)))  # pygal's axis labels are floats


def _count(value: Any) -> str:
    value = int(value or 0)
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if value >= size:
            return f"{value / size:.3g}{suffix}"
    return str(value)


def _without_scripts_or_comments(root: Any) -> Any:
    """pygal always writes its config as an inline script, and comments with its home's address: drop both."""
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == "script" or child.tag is etree.Comment:
                parent.remove(child)
    return root


def _data_uri(chart: pygal.Graph) -> str:
    svg = chart.render(is_unicode=True)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
