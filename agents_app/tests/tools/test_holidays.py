"""public_holidays: national holidays from the `holidays` package."""

from agents_app.tools.holidays import public_holidays


def test_christmas_is_a_public_holiday_in_portugal():
    result = public_holidays("PT", "2027-12-20", "2027-12-31")
    assert result["country"] == "Portugal"
    assert {"date": "2027-12-25", "weekday": "Saturday", "name": "Christmas Day"} in result["holidays"]
    assert all("2027-12-20" <= h["date"] <= "2027-12-31" for h in result["holidays"])


def test_country_names_work_as_well_as_codes():
    assert public_holidays("Portugal", "2027-12-25", "2027-12-25")["holidays"][0]["name"] == "Christmas Day"


def test_a_range_without_holidays_is_empty_not_an_error():
    result = public_holidays("PT", "2027-03-12", "2027-03-15")
    assert result["holidays"] == []
    assert "error" not in result


def test_holiday_names_follow_the_locale_when_the_calendar_speaks_it():
    assert public_holidays("PT", "2027-12-25", "2027-12-25", locale="pt-PT")["holidays"][0]["name"] == "Dia de Natal"
    # A language the calendar lacks falls back to English, not to Portuguese.
    assert public_holidays("PT", "2027-12-25", "2027-12-25", locale="fi-FI")["holidays"][0]["name"] == "Christmas Day"


def test_bad_dates_are_error_results():
    assert public_holidays("PT", "2027-02-30", "2027-03-01")["error"] == "bad_date"
    assert public_holidays("PT", "12 March", "2027-03-15")["error"] == "bad_date"
    assert public_holidays("PT", "2027-03-15", "2027-03-12")["error"] == "bad_date_range"
    assert public_holidays("PT", "2027-01-01", "2028-12-31")["error"] == "range_too_long"


def test_unknown_country_is_an_error_result():
    assert public_holidays("Narnia", "2027-03-12", "2027-03-15")["error"] == "unknown_country"
