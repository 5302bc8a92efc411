"""The offline planner's translations (agents_app/locale): complete, consistent, and compiled as Django reads them."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import agents_app
from agents_app.trips.languages import LANGUAGES

APP = Path(agents_app.__file__).parent
# Django's gettext functions, as makemessages looks for them.
KEYWORDS = {"_": None, "gettext": None, "gettext_noop": None, "gettext_lazy": None, "ngettext": (1, 2)}
PLACEHOLDER = r"%\(\w+\)s"


def entries(catalogue) -> dict:
    """Each message's id and translation, plural forms as tuples (read_mo gives lists)."""
    as_key = lambda value: tuple(value) if isinstance(value, list) else value  # noqa: E731
    return {as_key(message.id): as_key(message.string) for message in catalogue if message.id}


def catalogue(language: str):
    with open(APP / "locale" / language / "LC_MESSAGES" / "django.po", "rb") as po:
        return read_po(po)


def marked_in_code() -> set:
    found = extract_from_dir(
        APP, method_map=[("**/tests/**", "ignore"), ("**.py", "python")], keywords=KEYWORDS, strip_comment_tags=True
    )
    return {message if isinstance(message, str) else tuple(message) for _, _, message, _, _ in found}


@pytest.mark.parametrize("language", [language for language in LANGUAGES if language != "en"])
def test_every_text_is_translated_with_its_placeholders(language):
    messages = [message for message in catalogue(language) if message.id]

    assert {message.id for message in messages} == marked_in_code(), "run scripts/messages.sh"
    for message in messages:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings) and not message.fuzzy, f"untranslated in {language}: {message.id}"
        wanted = set(re.findall(PLACEHOLDER, ids[-1]))
        assert all(set(re.findall(PLACEHOLDER, string)) == wanted for string in strings), message.id


@pytest.mark.parametrize("language", [language for language in LANGUAGES if language != "en"])
def test_the_compiled_catalogue_is_the_translations(language):
    with open(APP / "locale" / language / "LC_MESSAGES" / "django.mo", "rb") as mo:
        compiled = entries(read_mo(mo))

    assert compiled == entries(catalogue(language)), "run scripts/messages.sh"
