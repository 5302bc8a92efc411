"""Reading a destination, start date and length out of what the user typed."""

from datetime import date, timedelta

import pytest

from agents_app.trip_request import DEFAULT_DAYS, DEFAULT_LEAD_DAYS, MAX_DAYS, parse_trip_request

TODAY = date(2026, 11, 24)  # a Tuesday


def parse(*turns):
    return parse_trip_request([[text] for text in turns], TODAY)


@pytest.mark.parametrize(
    ("text", "city", "start", "days"),
    [
        ("4 days in Lisbon from 2027-03-12", "Lisbon", date(2027, 3, 12), 4),
        ("from 12 March to 15 March in Rome", "Rome", date(2027, 3, 12), 4),
        ("Berlin 12-15 June", "Berlin", date(2027, 6, 12), 4),
        ("Take me to Köln on March 12th, 2027", "Köln", date(2027, 3, 12), DEFAULT_DAYS),
        ("3 nights in lisboa from 1 May", "Lisbon", date(2027, 5, 1), 4),
        ("a weekend in Paris", "Paris", date(2026, 11, 28), 2),
        ("Plan a trip to Rio de Janeiro from 28 December to 3 January", "Rio de Janeiro", date(2026, 12, 28), 7),
        ("Fly from London to Lisbon on 3 May", "Lisbon", date(2027, 5, 3), DEFAULT_DAYS),
        ("a week in Kyoto in May", "Kyoto", date(2027, 5, 1), 7),
    ],
)
def test_destination_dates_and_length_are_read(text, city, start, days):
    request = parse(text)
    assert (request.city.name, request.start, request.days) == (city, start, days)


def test_without_dates_the_trip_starts_two_weeks_out_and_lasts_three_days():
    request = parse("Kyoto")
    assert request.city.name == "Kyoto"
    assert request.start == TODAY + timedelta(days=DEFAULT_LEAD_DAYS) == date(2026, 12, 8)
    assert request.days == DEFAULT_DAYS
    assert not request.start_given and not request.days_given


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "Can you plan a trip for me?",
        "I want to see the most beautiful places",
        "3 days in March",
        "weekend in nice",
    ],
)
def test_everyday_words_and_months_are_not_destinations(text):
    assert parse(text).city is None


def test_a_city_named_like_a_word_counts_when_it_is_clearly_the_destination():
    assert parse("a long weekend in Nice").city.country_code == "FR"
    assert parse("ferry to Split").city.country_code == "HR"


def test_a_country_in_the_text_picks_among_namesakes():
    assert parse("3 days in Paris").city.country_code == "FR"
    assert parse("3 days in Paris, United States").city.country_code == "US"


def test_follow_ups_keep_what_they_do_not_change():
    longer = parse("4 days in Lisbon from 12 March", "make it 6 days")
    assert (longer.city.name, longer.start, longer.days) == ("Lisbon", date(2027, 3, 12), 6)
    elsewhere = parse("4 days in Lisbon from 12 March", "what about Porto?")
    assert (elsewhere.city.name, elsewhere.start, elsewhere.days) == ("Porto", date(2027, 3, 12), 4)
    # Sentence-initial "From" and "Make" are also (other spellings of) town names; not here.
    later = parse("4 days in Lisbon from 12 March", "From 2 May to 5 May")
    assert (later.city.name, later.start, later.days) == ("Lisbon", date(2027, 5, 2), 4)
    assert parse("3 days in Lisbon", "Make it 5 days").city.name == "Lisbon"


def test_long_trips_are_capped():
    request = parse("30 days in Lisbon")
    assert request.days == MAX_DAYS and request.days_capped


def test_impossible_dates_are_ignored():
    assert not parse("Lisbon from 2027-02-30").start_given
