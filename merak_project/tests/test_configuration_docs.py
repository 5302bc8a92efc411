"""Every variable the settings read is documented: in the README's table and in `.env.example`."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

SETTINGS = (settings.BASE_DIR / "merak_project" / "settings.py").read_text()
VARIABLES = sorted(set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', SETTINGS)))


def test_the_settings_read_variables():
    assert "MERAK_SERVER_API_KEY" in VARIABLES and "CACHE_URL" in VARIABLES


@pytest.mark.parametrize("name", VARIABLES)
def test_each_variable_is_in_the_readme_table_and_the_example_env(name):
    readme = (settings.BASE_DIR / "README.md").read_text()
    example = (settings.BASE_DIR / ".env.example").read_text()

    assert f"| `{name}` |" in readme
    assert re.search(rf"^# {name}=", example, re.MULTILINE)
