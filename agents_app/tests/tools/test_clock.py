"""local_time: the time at a city, with an injectable now."""

from datetime import UTC, datetime

from agents_app.tools.clock import local_time

NOON_UTC_IN_JULY = datetime(2027, 7, 1, 12, 0, tzinfo=UTC)
NOON_UTC_IN_JANUARY = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)


def test_lisbon_is_an_hour_ahead_of_utc_in_summer_and_level_in_winter():
    summer = local_time("Lisbon", now=NOON_UTC_IN_JULY)
    assert (summer["time"], summer["utc_offset"], summer["is_dst"]) == ("13:00", "+01:00", True)
    winter = local_time("Lisbon", now=NOON_UTC_IN_JANUARY)
    assert (winter["time"], winter["utc_offset"], winter["is_dst"]) == ("12:00", "+00:00", False)


def test_half_hour_offsets_and_date_changes_are_reported():
    kathmandu = local_time("Kathmandu", now=NOON_UTC_IN_JULY)
    assert (kathmandu["time"], kathmandu["utc_offset"]) == ("17:45", "+05:45")
    late = local_time("Auckland", now=datetime(2027, 7, 1, 23, 0, tzinfo=UTC))
    assert late["date"] == "2027-07-02" and late["weekday"] == "Friday"


def test_a_naive_now_is_taken_as_utc():
    assert local_time("Lisbon", now=datetime(2027, 7, 1, 12, 0))["time"] == "13:00"


def test_display_follows_the_locale():
    assert local_time("Lisbon", now=NOON_UTC_IN_JULY, locale="en-GB")["display"] == "Thu, 1 Jul 2027, 13:00"
    assert local_time("Lisbon", now=NOON_UTC_IN_JULY, locale="en-US")["display"] == "Thu, Jul 1, 2027, 1:00\u202fPM"
    assert local_time("Lisbon", now=NOON_UTC_IN_JULY, locale="not a locale")["display"].startswith("Thu")


def test_unknown_city_is_an_error_result():
    assert local_time("Xyzzyville", now=NOON_UTC_IN_JULY)["error"] == "unknown_city"
