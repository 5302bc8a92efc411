"""The API paths skip the browser middleware; the admin keeps all of it; Django's security middleware runs on
the event loop; `check --deploy` still checks the middleware Merak subclasses."""

import threading

import pytest
from django.core.checks import run_checks
from django.core.checks.security import base as security_checks
from django.middleware import security

from chatkit_app.testing.protocol import proxy_headers
from merak_project.runtime import api_middleware

pytestmark = pytest.mark.django_db(transaction=True)


async def test_api_responses_carry_no_browser_state(async_client):
    response = await async_client.post(
        "/chatkit",
        data={"type": "threads.list", "params": {}},
        content_type="application/json",
        headers=proxy_headers(),
    )

    assert response.status_code == 200
    assert not response.cookies  # no session or CSRF cookie
    assert "X-Frame-Options" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"  # security headers still apply


async def test_admin_still_gets_sessions_csrf_and_frame_protection(async_client):
    response = await async_client.get("/admin/login/")

    assert response.status_code == 200
    assert "csrftoken" in response.cookies
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.fixture
def security_threads(monkeypatch) -> list[str]:
    """The names of the threads Django's security middleware runs its two halves on, as requests go by."""
    seen: list[str] = []
    for half in ("process_request", "process_response"):
        original = getattr(security.SecurityMiddleware, half)

        def recorded(self, *args, _original=original):
            seen.append(threading.current_thread().name)
            return _original(self, *args)

        monkeypatch.setattr(security.SecurityMiddleware, half, recorded)
    return seen


async def test_the_security_middleware_runs_on_the_event_loop_for_api_and_admin(async_client, security_threads):
    api = await async_client.post(
        "/chatkit",
        data={"type": "threads.list", "params": {}},
        content_type="application/json",
        headers=proxy_headers(),
    )
    admin = await async_client.get("/admin/login/")

    assert api.headers["Referrer-Policy"] == admin.headers["Referrer-Policy"] == "same-origin"
    assert security_threads == [threading.current_thread().name] * 4  # two halves, two requests: no hop


async def test_an_api_request_over_http_is_redirected_when_ssl_is_required(async_client, settings):
    settings.SECURE_SSL_REDIRECT = True

    response = await async_client.post(
        "/chatkit",
        data={"type": "threads.list", "params": {}},
        content_type="application/json",
        headers=proxy_headers(),
    )

    assert response.status_code == 301 and response["Location"].startswith("https://")


def deployment_warnings() -> set[str]:
    return {message.id for message in run_checks(include_deployment_checks=True) if not message.is_silenced()}


def test_check_deploy_counts_merak_s_subclasses_as_django_s_middleware(settings):
    settings.CSRF_COOKIE_SECURE = False

    found = deployment_warnings()

    assert not found & {"security.W001", "security.W002", "security.W003", *api_middleware.MISSING_MIDDLEWARE.values()}
    assert "security.W016" in found  # a check that runs only once the CSRF middleware is found


def test_check_deploy_reports_a_missing_security_middleware(settings):
    settings.MIDDLEWARE = [path for path in settings.MIDDLEWARE if not path.endswith(".SecurityMiddleware")]

    assert "merak.W101" in deployment_warnings()
    assert "merak.W101" in deployment_warnings()  # again: Django's own message kept its id, and is silenced
    assert security_checks.W001.id == "security.W001"
