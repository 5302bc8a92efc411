"""The offline planner in the user's language, through the real `/chatkit` view: a request in French, German,
Spanish, Portuguese or Italian is planned from what it asks and answered, titled and asked in that language.
"""

from __future__ import annotations

import pytest

from chatkit_app import models
from chatkit_app.testing.protocol import proxy_headers, user_input

from .test_questions import answer, form

pytestmark = pytest.mark.django_db(transaction=True)

# What the user types; the fixed parts of the reply they should read (dates as their language writes them).
REQUESTS = {
    "fr": (
        "3 jours à Lisbonne à partir du 12 mars 2027",
        "(Planificateur hors ligne — aucun modèle d'IA n'est configuré.)",
        "**3 jours à Lisbonne, Portugal : du vendredi 12 mars au dimanche 14 mars 2027**",
        "**Jour 1 — vendredi 12 mars :** Arrivée et installation",
        "3 jours à Lisbonne",
    ),
    "de": (
        "3 Tage in Lissabon ab dem 12. März 2027",
        "(Offline-Planer — kein KI-Modell ist eingerichtet.)",
        "**3 Tage in Lissabon, Portugal: Freitag, 12. März bis Sonntag, 14. März 2027**",
        "**Tag 1 — Freitag, 12. März:** Ankommen und einrichten",
        "3 Tage in Lissabon",
    ),
    "es": (
        "3 días en Lisboa a partir del 12 de marzo de 2027",
        "(Planificador sin conexión — no hay ningún modelo de IA configurado.)",
        "**3 días en Lisboa, Portugal: del viernes, 12 de marzo al domingo, 14 de marzo de 2027**",
        "**Día 1 — viernes, 12 de marzo:** Llegada e instalación",
        "3 días en Lisboa",
    ),
    "pt": (
        "3 dias em Lisboa a partir de 12 de março de 2027",
        "(Planeador offline — nenhum modelo de IA está configurado.)",
        "**3 dias em Lisboa, Portugal: de sexta-feira, 12 de março a domingo, 14 de março de 2027**",
        "**Dia 1 — sexta-feira, 12 de março:** Chegada e instalação",
        "3 dias em Lisboa",
    ),
    "it": (
        "3 giorni a Lisbona dal 12 marzo 2027",
        "(Pianificatore offline — nessun modello di IA è configurato.)",
        "**3 giorni a Lisbona, Portogallo: da venerdì 12 marzo a domenica 14 marzo 2027**",
        "**Giorno 1 — venerdì 12 marzo:** Arrivo e sistemazione",
        "3 giorni a Lisbona",
    ),
}


def create(text: str) -> dict:
    return {"type": "threads.create", "params": {"input": user_input(text)}}


@pytest.mark.parametrize("language", list(REQUESTS))
async def test_a_request_in_another_language_is_planned_and_answered_in_it(chatkit, language):
    text, notice, heading, first_day, title = REQUESTS[language]

    # An English browser: the message alone tells the language.
    reply = await chatkit(create(text), headers=proxy_headers() | {"Accept-Language": "en-US"})

    assert reply.status == 200
    calls = [e["item"] for e in reply.of_type("thread.item.done") if e["item"]["type"] == "widget"]
    assert calls, "the itinerary card was shown: the request was understood"
    plan = reply.assistant_text
    assert plan.startswith(notice)
    assert heading in plan and first_day in plan
    assert "Day 1" not in plan and "Public holidays" not in plan
    assert reply.events[-1]["thread"]["title"] == title
    stored = await models.Item.objects.filter(type="assistant_message").aget()
    assert stored.data["content"][0]["text"] == plan


async def test_the_form_asks_in_the_users_language_and_its_answers_plan_the_trip(chatkit):
    french = proxy_headers() | {"Accept-Language": "fr-FR"}
    reply = await chatkit(create("Planifie-moi un voyage"), headers=french)
    thread_id = reply.of_type("thread.created")[0]["thread"]["id"]

    asked = form(reply)
    assert [(q["id"], q["question"], [o["value"] for o in q["options"]]) for q in asked["inputs"]] == [
        ("destination", "Où aimeriez-vous aller ?", ["Lisbonne", "Kyoto", "Paris", "New York"]),
        ("dates", "Quand souhaitez-vous partir ?", ["Ce week-end", "Le mois prochain", "N'importe quand"]),
        ("length", "Pour combien de jours ?", ["2 jours", "3 jours", "5 jours", "Une semaine"]),
    ]

    planned = await chatkit(
        answer(thread_id, asked, destination=["Lisbonne"], dates=["Le mois prochain"], length=["5 jours"]),
        headers=french,
    )

    card = [e["item"] for e in planned.of_type("thread.item.done") if e["item"]["type"] == "widget"]
    assert card, "the answers were understood"
    plan = planned.assistant_text
    assert "**5 jours à Lisbonne, Portugal : du vendredi 1 janvier au mardi 5 janvier" in plan
    assert "monnaie euro (EUR)" in plan


async def test_a_skipped_dates_question_leaves_the_dates_to_the_planner_in_german(chatkit):
    german = proxy_headers() | {"Accept-Language": "de-DE"}
    reply = await chatkit(create("Ich möchte nach Wien"), headers=german)
    thread_id = reply.of_type("thread.created")[0]["thread"]["id"]
    asked = form(reply)
    assert [q["question"] for q in asked["inputs"]] == ["Wann möchten Sie nach Wien reisen?", "Für wie viele Tage?"]

    planned = await chatkit(answer(thread_id, asked, dates=None, length=["3 Tage"]), headers=german)

    plan = planned.assistant_text
    assert "**3 Tage in Wien, Österreich:" in plan
    assert "Sie haben mir die Daten überlassen, also habe ich den " in plan
