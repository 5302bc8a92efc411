"""`scripts/dev.sh`, the README's run command: it serves on the ports the env files name, and prints its URLs
only once both servers answer."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import httpx
import pytest
from django.db import connection

from chatkit_app.testing.servers import ROOT, free_port

ENV_FILES = (ROOT / ".env", ROOT / "frontend" / ".env.local")


@pytest.fixture
def env_files_naming_ports():
    """`.env` naming Django's port and `frontend/.env.local` the frontend's: (backend port, frontend port).

    Written only where neither exists (a fresh clone, CI): a developer's own are never touched.
    """
    if connection.vendor != "sqlite":
        pytest.skip("runs once, with the SQLite run: the script does not depend on the test database")
    if any(path.exists() for path in ENV_FILES):
        pytest.skip("a developer's .env or frontend/.env.local is present; this test writes its own")
    ports = free_port(), free_port()
    ENV_FILES[0].write_text(f"CHATKIT_SERVER_PORT={ports[0]}\n")
    ENV_FILES[1].write_text(f'FRONTEND_PORT="{ports[1]}"\n')
    try:
        yield ports
    finally:
        for path in ENV_FILES:
            path.unlink()


def test_dev_script_serves_on_the_ports_of_the_env_files_and_prints_urls_that_answer(env_files_naming_ports, tmp_path):
    backend_port, frontend_port = env_files_naming_ports
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("CHATKIT_SERVER_PORT", "FRONTEND_PORT", "DJANGO_SETTINGS_MODULE")
    }
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}", "LOG_LEVEL": "WARNING"}
    script = subprocess.Popen(
        [str(ROOT / "scripts" / "dev.sh")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        text=True,
    )
    output: list[str] = []
    try:
        deadline = time.monotonic() + 300
        for line in script.stdout:
            output.append(line)
            if line.startswith("Merak chat (frontend):"):
                break
            assert time.monotonic() < deadline, "".join(output)
        # At the moment the URLs are printed, both servers answer at them.
        printed = "".join(output[-2:]) + script.stdout.readline()
        assert f"http://127.0.0.1:{frontend_port}" in printed and f"http://127.0.0.1:{backend_port}/chatkit" in printed
        assert httpx.get(f"http://127.0.0.1:{backend_port}/healthz", timeout=5).status_code == 200
        assert httpx.get(f"http://127.0.0.1:{frontend_port}/", timeout=30).status_code == 200
    finally:
        os.killpg(script.pid, signal.SIGINT)  # Ctrl-C
        script.wait(timeout=30)
    for port in (backend_port, frontend_port):
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
