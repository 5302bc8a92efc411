"""The API paths skip the browser middleware; the admin keeps all of it."""

import pytest

from chatkit_app.testing.protocol import proxy_headers

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
