"""The admin in a real browser: Debian's Chromium driven by Playwright, on the project's ASGI app under uvicorn.

`admin_browser` logs a superuser in through the admin's login form and
hands the test a page 1280 px wide, a laptop's screen. The app is built
afresh with static files served from the apps (as `runserver` does), so the
admin's own CSS and the console's styles load as they do for an operator.
Screenshots go to MERAK_SCREENSHOTS_DIR when it is set (the README's image).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.test import override_settings

from chatkit_app.testing.fixtures import serving

if TYPE_CHECKING:  # playwright is a development dependency
    from playwright.sync_api import Page

CHROMIUM = os.environ.get("MERAK_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "console-password"


@dataclass
class AdminBrowser:
    page: Page
    base_url: str

    def open(self, path: str) -> Page:
        """Go to an admin path; the page, loaded."""
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        return self.page

    def screenshot(self, name: str) -> bytes:
        """A full-page PNG of what the page shows (also saved as MERAK_SCREENSHOTS_DIR/name.png when set)."""
        png = self.page.screenshot(full_page=True)
        folder = os.environ.get("MERAK_SCREENSHOTS_DIR")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            (Path(folder) / f"{name}.png").write_bytes(png)
        return png


@pytest.fixture
def admin_browser(transactional_db, django_user_model) -> Iterator[AdminBrowser]:
    if not shutil.which(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (scripts/test.sh installs Debian's)")
    from playwright.sync_api import sync_playwright

    django_user_model.objects.create_superuser("operator", "operator@example.com", PASSWORD)
    with override_settings(SERVESTATIC_USE_FINDERS=True, SERVESTATIC_AUTOREFRESH=True):
        from merak_project.runtime.asgi_handler import PooledThreadASGIHandler
        from merak_project.runtime.body_limit import BodyLimit

        application = BodyLimit(PooledThreadASGIHandler())
    with serving(application) as base_url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{base_url}/admin/login/")
        page.fill("#id_username", "operator")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{base_url}/admin/")
        try:
            yield AdminBrowser(page, base_url)
        finally:
            browser.close()
