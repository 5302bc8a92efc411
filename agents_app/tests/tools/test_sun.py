"""sun_times: sunrise and sunset from astral, in the city's local time."""

from agents_app.tools.sun import sun_times


def test_lisbon_sunrise_comes_before_sunset_in_local_time():
    result = sun_times("Lisbon", "2027-03-12")
    assert result["timezone"] == "Europe/Lisbon"
    assert "05:30" < result["sunrise"] < result["solar_noon"] < result["sunset"] < "20:00"
    assert 11 * 60 < result["day_length_minutes"] < 12 * 60


def test_times_are_local_not_utc():
    # Tokyo is UTC+9: in UTC its midsummer sunrise would read 19:25 the evening before.
    assert sun_times("Tokyo", "2027-06-21")["sunrise"].startswith("04:")


def test_summer_days_are_longer_than_winter_days():
    summer = sun_times("Lisbon", "2027-06-21")["day_length_minutes"]
    winter = sun_times("Lisbon", "2027-12-21")["day_length_minutes"]
    assert summer > winter + 5 * 60


def test_polar_days_say_so_instead_of_failing():
    assert sun_times("Tromsø", "2027-06-21")["polar"] == "midnight_sun"
    night = sun_times("Tromso", "2027-12-21")
    assert night["polar"] == "polar_night" and night["sunrise"] is None and night["day_length_minutes"] == 0


def test_unknown_city_and_bad_date_are_error_results():
    assert sun_times("Xyzzyville", "2027-03-12")["error"] == "unknown_city"
    assert sun_times("Lisbon", "2027-13-01")["error"] == "bad_date"
