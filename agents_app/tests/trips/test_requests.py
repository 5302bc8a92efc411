"""Reading a destination, start date and length out of what the user typed."""

from datetime import date, timedelta

import pytest

from agents_app.trips.requests import DEFAULT_DAYS, DEFAULT_LEAD_DAYS, MAX_DAYS, parse_trip_request

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


# Today is Tuesday 24 November 2026: "this weekend" starts Saturday 28 November.
@pytest.mark.parametrize(
    ("text", "city", "start", "days"),
    [
        ("4 days in Lisbon from 12 March", "Lisbon", date(2027, 3, 12), 4),
        ("a weekend in Kyoto next month", "Kyoto", date(2026, 12, 5), 2),
        ("Kyoto next weekend", "Kyoto", date(2026, 12, 5), 2),
        ("Let's do Athens this weekend", "Athens", date(2026, 11, 28), 2),
        ("a long weekend in Nice", "Nice", date(2026, 11, 27), 3),
        ("3 days in Rome next month", "Rome", date(2026, 12, 1), 3),
        ("a week in Barcelona next week", "Barcelona", date(2026, 11, 30), 7),
        ("Paris in two weeks for 3 days", "Paris", date(2026, 12, 8), 3),
        ("in 3 weeks, 5 days in Vienna", "Vienna", date(2026, 12, 15), 5),
        ("Prague mid-June for 4 days", "Prague", date(2027, 6, 15), 4),
        ("Berlin early May, 2 days", "Berlin", date(2027, 5, 1), 2),
        ("Edinburgh at the end of March, 3 nights", "Edinburgh", date(2027, 3, 24), 4),
        ("Madrid from Friday to Sunday", "Madrid", date(2026, 11, 27), 3),
        ("Amsterdam fri-sun", "Amsterdam", date(2026, 11, 27), 3),
        ("Oslo on Friday for 2 days", "Oslo", date(2026, 11, 27), 2),
        ("6 days in Tokyo starting Monday", "Tokyo", date(2026, 11, 30), 6),
        ("Lisbon from 12 March until Sunday", "Lisbon", date(2027, 3, 12), 3),
        ("Dublin tomorrow for 2 days", "Dublin", date(2026, 11, 25), 2),
        ("Copenhagen the day after tomorrow, one night", "Copenhagen", date(2026, 11, 26), 2),
        ("Hanoi, 10-14 January", "Hanoi", date(2027, 1, 10), 5),
        ("New York from December 28th to January 2nd", "New York City", date(2026, 12, 28), 6),
        ("two nights in Bruges on 5 March", "Brugge", date(2027, 3, 5), 3),
        ("Istanbul for a fortnight from 1 April", "Istanbul", date(2027, 4, 1), 14),
        ("Marrakech, three days, late February", "Marrakesh", date(2027, 2, 22), 3),
        ("Reykjavik for 5 days in December", "Reykjavík", date(2026, 12, 1), 5),
        ("a day trip to Bath on 3 May", "Bath", date(2027, 5, 3), 1),
        ("Seville 2027-04-10 to 2027-04-13", "Sevilla", date(2027, 4, 10), 4),
        ("I'd love to see Vienna between 3rd and 6th of June", "Vienna", date(2027, 6, 3), 4),
        ("We want to visit Porto in April for a week", "Porto", date(2027, 4, 1), 7),
        ("Budapest on a budget from 2027-04-02 for 3 days", "Budapest", date(2027, 4, 2), 3),
        ("Florence, luxury trip, 4 days from 10 May", "Florence", date(2027, 5, 10), 4),
        ("Singapore, March 3 to March 6", "Singapore", date(2027, 3, 3), 4),
    ],
)
def test_free_text_phrasings_are_read(text, city, start, days):
    request = parse(text)
    assert (request.city.name, request.start, request.days) == (city, start, days)
    assert request.start_given and request.days_given


@pytest.mark.parametrize(
    ("turns", "days", "budget"),
    [
        (["4 days in Lisbon from 12 March", "add a day"], 5, False),
        (["4 days in Lisbon from 12 March", "add two more days"], 6, False),
        (["4 days in Lisbon from 12 March", "one day shorter please"], 3, False),
        (["4 days in Lisbon from 12 March", "make it cheaper"], 4, True),
        (["4 days in Lisbon from 12 March", "make it cheaper", "add a day", "actually, splurge a little"], 5, False),
        (["3 days in Lisbon", "make it 5 days", "add a day"], 6, False),
        (["a day trip to Bath on 3 May", "remove a day"], 1, False),
    ],
)
def test_follow_ups_change_the_length_and_the_budget(turns, days, budget):
    request = parse(*turns)
    assert (request.days, request.budget) == (days, budget)


def test_leaving_the_dates_to_the_planner_is_noted_but_not_a_date():
    request = parse("Lisbon", "any time is fine, you choose")
    assert request.city.name == "Lisbon" and request.dates_flexible and not request.start_given
    assert not parse("Lisbon in May").dates_flexible


@pytest.mark.parametrize(
    "text", ["Surprise me", "Okay, show it on a map", "Please plan something", "I love the Sunday market"]
)
def test_words_that_only_look_like_places_or_dates_are_not_read_as_such(text):
    request = parse(text)
    assert request.city is None and not request.start_given
