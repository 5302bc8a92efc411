"""ChatKit widgets drawn on the server: the planner's card as its user saw it, other components, nothing that acts."""

from __future__ import annotations

import re

import pytest

from agents_app.tools.itinerary import build_itinerary
from agents_app.trips.locales import locale_format
from agents_app.widgets import itinerary_card
from chatkit_app.console.widgets import render_widget


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def christmas_card() -> dict:
    """The planner's card for Christmas in Lisbon on a budget, as its item stores it."""
    itinerary = build_itinerary("Lisbon", "PT", "2027-12-24", 3, budget=True)
    return itinerary_card(itinerary, locale_format("en-GB")).model_dump(mode="json")


# --- the planner's card -------------------------------------------------------------


def test_the_itinerary_card_shows_its_days_dates_and_daylight(christmas_card):
    html = render_widget(christmas_card)
    text = text_of(html)
    assert "3 days in Lisbon" in text and "Portugal · Fri 24 Dec – Sun 26 Dec 2027" in text
    for day, date in [("Day 1", "Fri 24 Dec"), ("Day 2", "Sat 25 Dec"), ("Day 3", "Sun 26 Dec")]:
        assert f"{day} {date}" in text
    assert len(re.findall(r"Sunrise \d\d:\d\d · Sunset \d\d:\d\d", text)) == 3
    assert "⚠ Public holiday: Christmas Day. Check opening hours." in text


def test_the_cards_components_get_their_layout(christmas_card):
    html = render_widget(christmas_card)
    assert html.startswith('<div class="ck-card ck-card-md">')
    assert '<div class="ck-title ck-size-md">3 days in Lisbon</div>' in html
    assert '<div class="ck-caption">Portugal · Fri 24 Dec – Sun 26 Dec 2027</div>' in html
    assert '<div class="ck-text ck-size-sm ck-weight-semibold">Day 1</div>' in html
    assert '<div class="ck-box ck-col" style="width: 96px">' in html  # the date column
    assert 'class="ck-box ck-row" style="gap: 12px; align-items: flex-start"' in html  # a day row
    assert '<hr class="ck-divider" style="margin: 8px 0">' in html
    assert 'class="ck-text ck-size-sm" style="color: var(--ck-warning)"' in html  # the holiday warning
    assert '<span class="ck-badge ck-badge-success ck-variant-soft ck-pill">Budget</span>' in html
    assert '<span class="ck-badge ck-badge-warning ck-variant-soft ck-pill">1 holiday</span>' in html


def test_buttons_are_inert_labels_naming_their_action(christmas_card):
    html = render_widget(christmas_card)
    buttons = re.findall(r'<span class="ck-button[^"]*" title="([^"]*)"[^>]*>(.*?)</span></span>', html)
    assert [re.sub(r"<svg.*?</svg>|<span>", "", label) for _, label in buttons] == [
        "Add a day",
        "One day shorter",
        "Make it cheaper",
        "12-hour clock",
    ]
    assert buttons[0][0] == "Sends the action itinerary.add_day"
    assert buttons[3][0] == "Sends the action itinerary.clock"
    assert buttons[2][0] == "Sends the action itinerary.cheaper (disabled)"  # already a budget trip
    assert not re.search(r"<(button|a|form|input)\b|onclick|payload", html)  # nothing to press, nothing sent


def test_a_card_still_being_built_shows_its_status():
    itinerary = build_itinerary("Lisbon", "PT", "2027-03-12", 2)
    html = render_widget(itinerary_card(itinerary, locale_format("en-GB"), rows=1).model_dump(mode="json"))
    assert '<div class="ck-status">' in html and "Building your itinerary…" in html
    assert "Day 1" in html and "Day 2" not in html


# --- components the planner does not use ------------------------------------------------


def test_a_list_view_shows_its_rows_and_their_actions():
    html = render_widget(
        {
            "type": "ListView",
            "status": {"text": "Saved trips", "icon": "suitcase"},
            "children": [
                {"type": "ListViewItem", "children": [{"type": "Text", "value": "Lisbon"}]},
                {
                    "type": "ListViewItem",
                    "onClickAction": {"type": "trip.open", "payload": {"id": 2}},
                    "children": [{"type": "Icon", "name": "map-pin"}, {"type": "Text", "value": "Porto"}],
                },
            ],
        }
    )
    assert html.count('class="ck-box ck-row ck-listitem"') == 2
    assert "Saved trips" in html and "Lisbon" in html and "Porto" in html
    assert '<span class="ck-action" title="The action this sends">→ trip.open</span>' in html
    assert 'aria-label="map-pin"' in html


def test_images_are_links_never_fetched():
    html = render_widget({"type": "Image", "src": "https://cdn.example.com/tram.jpg", "alt": "Tram 28"})
    assert "<img" not in html
    assert 'href="https://cdn.example.com/tram.jpg"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert "Tram 28" in html and "cdn.example.com" in html
    for src in ["javascript:alert(1)", "data:image/svg+xml,<svg onload=alert(1)>", "//evil.example/x.png"]:
        unsafe = render_widget({"type": "Image", "src": src, "alt": "x"})
        assert "href" not in unsafe and "alert" not in unsafe and "(address not shown)" in unsafe


def test_badges_markdown_and_form_fields():
    html = render_widget(
        {
            "type": "Card",
            "asForm": True,
            "confirm": {"label": "Book", "action": {"type": "trip.book"}},
            "cancel": {"label": "Not now", "action": {"type": "trip.dismiss"}},
            "children": [
                {"type": "Badge", "label": "New", "color": "info", "variant": "outline"},
                {"type": "Markdown", "value": "**Bold** <script>alert(1)</script> [x](javascript:alert(1))"},
                {"type": "Input", "name": "email", "placeholder": "you@example.com"},
                {"type": "Textarea", "name": "notes", "defaultValue": "Window seat"},
                {
                    "type": "Select",
                    "name": "class",
                    "defaultValue": "eco",
                    "options": [{"value": "eco", "label": "Economy"}],
                },
                {"type": "DatePicker", "name": "day", "defaultValue": "2027-03-12"},
                {"type": "Checkbox", "name": "ok", "label": "Insurance", "defaultChecked": True},
                {
                    "type": "RadioGroup",
                    "name": "seat",
                    "defaultValue": "b",
                    "options": [{"value": "a", "label": "Aisle"}, {"value": "b", "label": "Window"}],
                },  # fmt: skip
                {"type": "Label", "value": "Seat", "fieldName": "seat"},
                {"type": "Spacer"},
                {"type": "Transition", "children": {"type": "Caption", "value": "inside a transition"}},
            ],
        }
    )
    assert '<span class="ck-badge ck-badge-info ck-variant-outline">New</span>' in html
    assert "<strong>Bold</strong>" in html and "<script" not in html and 'href="javascript' not in html
    assert "you@example.com" in html and "Window seat" in html and "Economy" in html and "2027-03-12" in html
    assert "☑ Insurance" in html and "◉ Window" in html and "○ Aisle" in html
    assert "inside a transition" in html and '<div class="ck-spacer"></div>' in html
    assert text_of(html).endswith("Not now Book")  # the card's own buttons, in its footer
    assert not re.search(r"<(input|select|textarea|button|form)\b", html)


def test_a_chart_shows_its_data_as_a_table():
    html = render_widget(
        {
            "type": "Chart",
            "xAxis": {"dataKey": "day"},
            "series": [{"type": "bar", "dataKey": "eur", "label": "Spend"}],
            "data": [{"day": "Mon", "eur": 120}, {"day": "Tue", "eur": 80}],
        }
    )
    assert "<th>Spend (bar)</th>" in html
    assert "<tr><th>Mon</th><td>120</td></tr><tr><th>Tue</th><td>80</td></tr>" in html


def test_an_unknown_component_is_a_labelled_placeholder_with_its_json():
    html = render_widget({"type": "Card", "children": [{"type": "Carousel", "items": ["<b>one</b>"]}]})
    assert "A Carousel (not drawn here; its JSON):" in html
    assert "&quot;items&quot;" in html and "&lt;b&gt;one&lt;/b&gt;" in html and "<b>one" not in html


# --- hostile props --------------------------------------------------------------------


@pytest.mark.parametrize(
    "props",
    [
        {"width": "1px; background: url(https://evil.example/p.png)"},
        {"background": "url(https://evil.example/p.png)"},
        {"gap": "expression(alert(1))"},
        {"align": "center; position: fixed"},
        {"border": {"size": 1, "color": "red; background: url(x)"}},
    ],
)
def test_style_values_that_are_not_lengths_or_colours_are_dropped(props):
    html = render_widget({"type": "Box", **props, "children": [{"type": "Text", "value": "x"}]})
    assert "url(" not in html and "expression" not in html and "fixed" not in html


def test_text_is_escaped_everywhere():
    hostile = '"><img src=x onerror=alert(1)>'
    node = {"type": "Card", "status": {"text": hostile}, "children": [{"type": "Text", "value": hostile}]}
    node["children"] += [{"type": "Button", "label": hostile, "onClickAction": {"type": hostile}}]
    node["children"] += [{"type": "Badge", "label": hostile, "color": hostile}]
    html = render_widget(node)
    assert "<img" not in html and '"><img' not in html
    # Shown as text: the status, the text, the button (label and tooltip), the badge; its colour dropped.
    assert html.count("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;") == 5
    assert '<span class="ck-badge ck-variant-soft">' in html


def test_a_tree_too_deep_ends_in_a_placeholder():
    node: dict = {"type": "Text", "value": "bottom"}
    for _ in range(60):
        node = {"type": "Col", "children": [node]}
    assert "not drawn here" in render_widget(node)
