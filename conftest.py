"""Fixtures shared by every app's tests."""

import pytest

from chatkit_app.context import RequestContext


@pytest.fixture
def alice() -> RequestContext:
    return RequestContext(user_id="alice", request_id="req-alice")


@pytest.fixture
def bob() -> RequestContext:
    return RequestContext(user_id="bob", request_id="req-bob")
