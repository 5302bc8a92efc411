"""`/healthz` says whether the database and the cache answer."""

import json

import pytest
from django.db import DatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper

pytestmark = pytest.mark.django_db(transaction=True)


async def test_healthy_service_reports_ok(async_client):
    response = await async_client.get("/healthz")

    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "cache": "ok"}


async def test_unreachable_database_is_a_503(async_client, monkeypatch):
    def refuse(*args, **kwargs):
        raise DatabaseError("connection refused")

    # Every thread's connection fails, as when the server is down.
    with monkeypatch.context() as patch:
        patch.setattr(BaseDatabaseWrapper, "cursor", refuse)
        response = await async_client.get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "unavailable", "database": "unreachable", "cache": "ok"}


async def test_unreachable_cache_is_a_503(async_client, unreachable_cache):
    response = await async_client.get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "unavailable", "database": "ok", "cache": "unreachable"}


async def test_a_shared_redis_cache_reports_ok(async_client, any_cache):
    response = await async_client.get("/healthz")

    assert response.status_code == 200 and json.loads(response.content)["cache"] == "ok"
