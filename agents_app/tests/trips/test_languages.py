"""Trip requests in the six languages the offline planner reads: which language, and what they ask for.

Each phrasing is read by a user whose locale is American English, so the message alone tells its
language; the expected dates count from a Monday.
"""

from datetime import date

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from agents_app.offline.replies import DATES_CHOICES, DESTINATION_CHOICES, LENGTH_CHOICES, trip_questions
from agents_app.trips.languages import LANGUAGES, in_english, language_of
from agents_app.trips.requests import parse_trip_request, request_language

TODAY = date(2026, 12, 7)  # a Monday
D = date

# (phrasing, city, first day, days); eleven per language, each in its own way of saying it.
PHRASINGS = {
    "en": [
        ("4 days in Lisbon from 12 March", "Lisbon", D(2027, 3, 12), 4),
        ("A weekend in Kyoto next month", "Kyoto", D(2027, 1, 2), 2),
        ("Three nights in Rome mid-June", "Rome", D(2027, 6, 15), 4),
        ("From 12 to 15 June in Vienna", "Vienna", D(2027, 6, 12), 4),
        ("Berlin early April, five days", "Berlin", D(2027, 4, 1), 5),
        ("A long weekend in Prague at the end of May", "Prague", D(2027, 5, 24), 3),
        ("Madrid tomorrow for three days", "Madrid", D(2026, 12, 8), 3),
        ("Seville next Friday, 2 days", "Sevilla", D(2026, 12, 11), 2),
        ("Copenhagen in two weeks, a week", "Copenhagen", D(2026, 12, 21), 7),
        ("Paris in May, 3 days", "Paris", D(2027, 5, 1), 3),
        ("A fortnight in Athens from 2027-07-01", "Athens", D(2027, 7, 1), 14),
    ],
    "fr": [
        ("3 jours à Paris en mai", "Paris", D(2027, 5, 1), 3),
        ("Une semaine à Lisbonne à partir du 12 mars", "Lisbon", D(2027, 3, 12), 7),
        ("Un week-end à Lyon le mois prochain", "Lyon", D(2027, 1, 2), 2),
        ("Je voudrais visiter Rome du 12 au 15 juin", "Rome", D(2027, 6, 12), 4),
        ("Deux nuits à Nice la semaine prochaine", "Nice", D(2026, 12, 14), 3),
        ("Quatre jours à Bordeaux mi-juin", "Bordeaux", D(2027, 6, 15), 4),
        ("Berlin, début avril, cinq jours", "Berlin", D(2027, 4, 1), 5),
        ("Nous voulons passer un long week-end à Barcelone fin mai", "Barcelona", D(2027, 5, 24), 3),
        ("Je pars à Madrid demain pour trois jours", "Madrid", D(2026, 12, 8), 3),
        ("Séville vendredi prochain, 2 jours", "Sevilla", D(2026, 12, 11), 2),
        ("Prague dans deux semaines, une semaine", "Prague", D(2026, 12, 21), 7),
    ],
    "de": [
        ("3 Tage in Berlin im Mai", "Berlin", D(2027, 5, 1), 3),
        ("Eine Woche in Lissabon ab dem 12. März", "Lisbon", D(2027, 3, 12), 7),
        ("Ein Wochenende in München nächsten Monat", "Munich", D(2027, 1, 2), 2),
        ("Vom 12. bis 15. Juni nach Wien", "Vienna", D(2027, 6, 12), 4),
        ("Zwei Nächte in Hamburg nächste Woche", "Hamburg", D(2026, 12, 14), 3),
        ("Vier Tage in Rom Mitte Juni", "Rome", D(2027, 6, 15), 4),
        ("Paris Anfang April, fünf Tage", "Paris", D(2027, 4, 1), 5),
        ("Ein langes Wochenende in Prag Ende Mai", "Prague", D(2027, 5, 24), 3),
        ("Morgen nach Madrid für drei Tage", "Madrid", D(2026, 12, 8), 3),
        ("Nächsten Freitag nach Sevilla, 2 Tage", "Sevilla", D(2026, 12, 11), 2),
        ("In zwei Wochen nach Kopenhagen, eine Woche", "Copenhagen", D(2026, 12, 21), 7),
    ],
    "es": [
        ("3 días en Madrid en mayo", "Madrid", D(2027, 5, 1), 3),
        ("Una semana en Lisboa a partir del 12 de marzo", "Lisbon", D(2027, 3, 12), 7),
        ("Un fin de semana en Sevilla el próximo mes", "Sevilla", D(2027, 1, 2), 2),
        ("Del 12 al 15 de junio en Roma", "Rome", D(2027, 6, 12), 4),
        ("Dos noches en Barcelona la próxima semana", "Barcelona", D(2026, 12, 14), 3),
        ("Cuatro días en Viena a mediados de junio", "Vienna", D(2027, 6, 15), 4),
        ("París a principios de abril, cinco días", "Paris", D(2027, 4, 1), 5),
        ("Un puente en Praga a finales de mayo", "Prague", D(2027, 5, 24), 3),
        ("Mañana a Valencia por tres días", "Valencia", D(2026, 12, 8), 3),
        ("El próximo viernes a Granada, 2 días", "Granada", D(2026, 12, 11), 2),
        ("Dentro de dos semanas quiero ir a Copenhague una semana", "Copenhagen", D(2026, 12, 21), 7),
    ],
    "pt": [
        ("3 dias em Lisboa em maio", "Lisbon", D(2027, 5, 1), 3),
        ("Uma semana no Porto a partir de 12 de março", "Porto", D(2027, 3, 12), 7),
        ("Um fim de semana em Madrid no próximo mês", "Madrid", D(2027, 1, 2), 2),
        ("De 12 a 15 de junho em Roma", "Rome", D(2027, 6, 12), 4),
        ("Duas noites em Paris na próxima semana", "Paris", D(2026, 12, 14), 3),
        ("Quatro dias em Viena em meados de junho", "Vienna", D(2027, 6, 15), 4),
        ("Berlim no início de abril, cinco dias", "Berlin", D(2027, 4, 1), 5),
        ("Um fim de semana prolongado em Praga no fim de maio", "Prague", D(2027, 5, 24), 3),
        ("Amanhã para Sevilha por três dias", "Sevilla", D(2026, 12, 8), 3),
        ("Na próxima sexta-feira para Barcelona, 2 dias", "Barcelona", D(2026, 12, 11), 2),
        ("Daqui a duas semanas para Copenhaga, uma semana", "Copenhagen", D(2026, 12, 21), 7),
    ],
    "it": [
        ("3 giorni a Roma a maggio", "Rome", D(2027, 5, 1), 3),
        ("Una settimana a Lisbona dal 12 marzo", "Lisbon", D(2027, 3, 12), 7),
        ("Un fine settimana a Milano il mese prossimo", "Milan", D(2027, 1, 2), 2),
        ("Dal 12 al 15 giugno a Parigi", "Paris", D(2027, 6, 12), 4),
        ("Due notti a Napoli la prossima settimana", "Naples", D(2026, 12, 14), 3),
        ("Quattro giorni a Vienna a metà giugno", "Vienna", D(2027, 6, 15), 4),
        ("Berlino a inizio aprile, cinque giorni", "Berlin", D(2027, 4, 1), 5),
        ("Un ponte a Praga a fine maggio", "Prague", D(2027, 5, 24), 3),
        ("Domani a Firenze per tre giorni", "Florence", D(2026, 12, 8), 3),
        ("Venerdì prossimo a Venezia, 2 giorni", "Venice", D(2026, 12, 11), 2),
        ("Tra due settimane a Copenaghen, una settimana", "Copenhagen", D(2026, 12, 21), 7),
    ],
}
CASES = [(language, *case) for language, cases in PHRASINGS.items() for case in cases]


@pytest.mark.parametrize(("language", "text", "city", "start", "days"), CASES, ids=[case[1] for case in CASES])
def test_each_phrasing_is_read_in_its_language(language, text, city, start, days):
    request = parse_trip_request([[text]], TODAY, "en")

    assert request_language([[text]], "en-US") == language
    assert (request.city.name, request.start, request.days) == (city, start, days)
    assert request.start_given and request.days_given


@pytest.mark.parametrize(
    ("turns", "days", "budget", "flexible"),
    [
        (["3 jours à Paris en mai", "Ajoute un jour", "moins cher s'il vous plaît"], 4, True, False),
        (["Drei Tage in Wien im Mai", "einen Tag weniger"], 2, False, False),
        (["Tres días en Roma en mayo", "un día más, y más barato"], 4, True, False),
        (["Três dias no Porto", "mais um dia", "quando quiser"], 4, False, True),
        (["Tre giorni a Napoli in maggio", "un giorno in meno", "di lusso"], 2, False, False),
        (["Eine Woche in Prag, günstig", "egal wann"], 7, True, True),
    ],
)
def test_follow_ups_change_the_length_the_budget_and_the_dates(turns, days, budget, flexible):
    user_turns = [[text] for text in turns]
    request = parse_trip_request(user_turns, TODAY, request_language(user_turns, "en-US"))

    assert (request.days, request.budget, request.dates_flexible) == (days, budget, flexible)


def test_a_message_too_short_to_tell_takes_the_language_of_the_locale():
    assert language_of("Paris") is None
    assert request_language([["Paris"]], "de-AT") == "de"
    assert request_language([["Paris"]], "ja-JP") == "en", "a locale the planner does not write: English"
    # A short follow-up keeps the conversation's language; a message that tells another changes it.
    assert request_language([["3 jours à Lisbonne en mai"], ["ok"]], "en-US") == "fr"
    assert request_language([["3 jours à Lisbonne en mai"], ["Ce week-end"]], "en-US") == "fr"
    assert request_language([["3 jours à Lisbonne en mai"], ["Show me 4 days in Rome instead"]], "fr-FR") == "en"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_forms_suggested_answers_read_back_in_their_language(language):
    with translation.override(language):
        [destination, dates, length] = trip_questions(parse_trip_request([["?"]], TODAY))
        destinations = [parse_trip_request([[choice]], TODAY, language).city for choice in destination["choices"]]
        this_weekend, next_month, any_time = (parse_trip_request([[c]], TODAY, language) for c in dates["choices"])
        lengths = [parse_trip_request([[choice]], TODAY, language).days for choice in length["choices"]]

    assert [city.name for city in destinations] == ["Lisbon", "Kyoto", "Paris", "New York City"]
    assert len(destination["choices"]) == len(DESTINATION_CHOICES)
    assert (this_weekend.start, this_weekend.days) == (D(2026, 12, 12), 2)
    assert next_month.start == D(2027, 1, 1)
    assert any_time.dates_flexible and not any_time.start_given
    assert lengths == [2, 3, 5, 7] and len(LENGTH_CHOICES) == 4 and len(DATES_CHOICES) == 3


@given(text=st.text(max_size=300), language=st.sampled_from(LANGUAGES))
@settings(max_examples=300, deadline=None)
def test_any_text_in_any_language_reads_without_error(text, language):
    in_english(text, language)
    parse_trip_request([[text]], TODAY, language)
    request_language([[text]], language)
