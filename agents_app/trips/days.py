"""What each day of a trip is for: the few words the itinerary card shows, and the offline planner's sentence for it.

Middle days cycle through a few themes, so a long trip is not one day repeated.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_noop

# (outline, plan): the card's words for the day, and the plan the offline planner writes for it
# (in the language of the reply; the card, built by a tool a real model calls too, is in English).
_DAY_THEMES = (
    (
        "Main sights and a museum",
        gettext_noop(
            "The main sights and a museum in the morning, lunch at a local market, "
            "the historic quarter on foot in the afternoon."
        ),
    ),
    (
        "Neighbourhoods and cafés",
        gettext_noop("A neighbourhood beyond the centre: parks, cafés and small shops at an easy pace."),
    ),
    (
        "Half-day trip out of town",
        gettext_noop("A half-day trip out of town, back in time for dinner somewhere the locals go."),
    ),
    (
        "Galleries and a walking tour",
        gettext_noop("Galleries or a guided walking tour in the morning; a free afternoon to revisit favourites."),
    ),
)
_BUDGET_THEMES = (
    (
        "Free sights and a walking tour",
        gettext_noop(
            "Free sights first — churches, viewpoints and a free walking tour — and a picnic from a market for lunch."
        ),
    ),
    (
        "Neighbourhoods on foot",
        gettext_noop(
            "A neighbourhood beyond the centre on foot or by public transport; museums in their free-entry hours."
        ),
    ),
    ("Markets and parks", gettext_noop("Parks, a local market and the old streets; street food or a set lunch menu.")),
    (
        "A cheap day trip",
        gettext_noop("A regional train or bus out of town on a day ticket; back for an inexpensive dinner."),
    ),
)


def day_outline(offset: int, total: int, *, budget: bool = False) -> str:
    """A few words for one day of the trip ("Arrival and the old centre"), as the itinerary card shows it."""
    if total == 1:
        return "Highlights in a day"
    if offset == 0:
        return "Arrival and the old centre"
    if offset == total - 1:
        return "Last stroll and departure"
    return _theme(offset, budget)[0]


def middle_day_plan(offset: int, *, budget: bool = False) -> str:
    """The plan for a day between the first and the last, in a sentence or two: the same theme as its outline."""
    return gettext(_theme(offset, budget)[1])


def _theme(offset: int, budget: bool) -> tuple[str, str]:
    themes = _BUDGET_THEMES if budget else _DAY_THEMES
    return themes[(offset - 1) % len(themes)]
