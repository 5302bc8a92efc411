"""Fixtures for the offline planner's tests: a fixed clock and calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

FIXED_NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
FIXED_TODAY = date(2027, 3, 1)


@pytest.fixture
def fixed_clock(monkeypatch):
    """Pins the `local_time` tool's idea of now, so replies that quote it are comparable."""
    monkeypatch.setattr("agents_app.tools.clock.current_utc_time", lambda: FIXED_NOW)
    return FIXED_NOW
