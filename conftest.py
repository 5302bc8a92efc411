"""Fixtures shared by every app's tests."""

import os
from collections.abc import Iterator

import pytest
from asgiref.sync import SyncToAsync
from django.conf import settings as django_settings
from django.db import connections

from agents_app.tests.support.openai_server import OpenAIServer
from chatkit_app.identity.auth import RequestContext
from merak_project.runtime import db_threads

# The ChatKit surface's fixtures (the protocol through the real view, real servers, the admin in a browser),
# for every app's tests.
pytest_plugins = ["chatkit_app.testing.fixtures", "chatkit_app.testing.browser"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Each run its own PostgreSQL test database, `test_merak_<pid>`.

    Two runs on one machine (a developer's and CI's, say) would otherwise create,
    flush and drop the same database under each other. SQLite's is in memory.
    """
    for alias_settings in django_settings.DATABASES.values():
        if alias_settings["ENGINE"] != "django.db.backends.sqlite3":
            test = alias_settings.setdefault("TEST", {})
            test["NAME"] = f"{test.get('NAME') or 'test_' + alias_settings['NAME']}_{os.getpid()}"


@pytest.fixture(autouse=True)
def offline_and_fast(settings):
    """Tests run on the offline planner, streaming without pauses, whatever `.env` says; and, as Django's docs
    advise for test suites, passwords hash with MD5: PBKDF2's 0.23 s per operator was 40% of the admin tests'
    time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.OPENAI_API_KEY = ""
    settings.OPENAI_BASE_URL = ""
    settings.MERAK_MODEL = "gpt-4.1-mini"
    settings.MERAK_USE_CHAT_COMPLETIONS = False
    settings.MERAK_OFFLINE_STREAM_DELAY_MS = 0


@pytest.fixture(autouse=True)
def release_orm_thread_connections():
    """Async code runs the ORM on asgiref's worker thread; give its connection back after each test.

    Otherwise that connection (a pooled one on PostgreSQL) outlives the test
    and keeps the test database from being flushed or dropped.
    """
    yield
    SyncToAsync.single_thread_executor.submit(connections.close_all).result()
    db_threads.stop()


@pytest.fixture(scope="session", autouse=True)
def close_connection_pools(django_db_setup):
    """Close PostgreSQL connection pools before the test database is dropped."""
    yield
    for connection in connections.all():
        if hasattr(connection, "close_pool"):
            connection.close_pool()


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A stand-in OpenAI-compatible server on loopback; set `.script` to decide its replies, read `.requests`."""
    with OpenAIServer() as server:
        yield server


@pytest.fixture
def alice() -> RequestContext:
    return RequestContext(user_id="alice", request_id="req-alice")


@pytest.fixture
def bob() -> RequestContext:
    return RequestContext(user_id="bob", request_id="req-bob")
