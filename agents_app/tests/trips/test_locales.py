"""English text with dates, times and numbers written the way the user's locale writes them."""

from datetime import date

import pytest

from agents_app.trips.locales import HOUSE_STYLE, locale_format, locale_from_instructions, locale_instruction

FRIDAY = date(2027, 3, 12)


@pytest.mark.parametrize(
    ("locale", "day", "with_year", "short", "evening", "population"),
    [
        (None, "Friday 12 March", "Friday, 12 March 2027", "Fri 12 Mar", "18:40", "517,802"),
        ("en", "Friday 12 March", "Friday, 12 March 2027", "Fri 12 Mar", "18:40", "517,802"),
        ("en-US", "Friday, March 12", "Friday, March 12, 2027", "Fri, Mar 12", "6:40\u202fPM", "517,802"),
        ("de-DE", "Friday, 12 March", "Friday, 12 March 2027", "Fri, 12 Mar", "18:40", "517.802"),
        ("de", "Friday, 12 March", "Friday, 12 March 2027", "Fri, 12 Mar", "18:40", "517.802"),
        ("pt_PT", "Friday, 12 March", "Friday, 12 March 2027", "Fri, 12 Mar", "18:40", "517\xa0802"),
        # No English of Brazil in CLDR: international English on a 24-hour clock, Brazilian digit grouping.
        ("pt-BR", "Friday, 12 March", "Friday, 12 March 2027", "Fri, 12 Mar", "18:40", "517.802"),
        ("xx-YY", "Friday 12 March", "Friday, 12 March 2027", "Fri 12 Mar", "18:40", "517,802"),
    ],
)
def test_dates_times_and_numbers_follow_the_locale(locale, day, with_year, short, evening, population):
    fmt = locale_format(locale)
    assert fmt.day(FRIDAY) == day
    assert fmt.day(FRIDAY, year=True) == with_year
    assert fmt.short_day(FRIDAY) == short
    assert fmt.clock("18:40") == evening
    assert fmt.number(517802) == population


def test_unknown_or_bare_english_locales_get_the_house_style():
    assert locale_format("en") is HOUSE_STYLE and locale_format("not a locale") is HOUSE_STYLE


def test_the_locale_travels_in_the_instructions_and_back():
    instructions = "You are Merak.\n" + locale_instruction("pt-PT") + "\nBe concise."
    assert locale_from_instructions(instructions) == "pt-PT"
    assert locale_from_instructions("You are Merak.") is None
    assert locale_from_instructions(None) is None
