"""Fixtures for the Trip Planner tests: offline settings by default, and a fixed clock and calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

FIXED_NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
FIXED_TODAY = date(2027, 3, 1)


@dataclass
class RequestStub:
    """What the agent reads of chatkit_app's request context (agents_app never imports it)."""

    user_id: str = "u1"
    request_id: str = "r1"
    locale: str = "en-GB"
    feature_flags: frozenset[str] = frozenset()


@pytest.fixture(autouse=True)
def offline_settings(settings):
    """Every test starts offline with no streaming pause, whatever the developer's .env says."""
    settings.OPENAI_API_KEY = ""
    settings.OPENAI_BASE_URL = ""
    settings.MERAK_MODEL = "gpt-4.1-mini"
    settings.MERAK_USE_CHAT_COMPLETIONS = False
    settings.MERAK_OFFLINE_STREAM_DELAY_MS = 0
    return settings


@pytest.fixture
def fixed_clock(monkeypatch):
    """Pins the `local_time` tool's idea of now, so replies that quote it are comparable."""
    monkeypatch.setattr("agents_app.tools.clock.current_utc_time", lambda: FIXED_NOW)
    return FIXED_NOW
