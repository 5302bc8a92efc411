"""What the admin benchmarks share: a PostgreSQL database of their own, kept between runs, and an operator."""

from __future__ import annotations

import os
from typing import Any


def use_database(url: str) -> None:
    """Create the database at `url` if it is missing, point Django at it and set Django up."""
    import django
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(DATABASE_URL=url, DATABASE_POOL="false", DJANGO_SETTINGS_MODULE="merak_project.settings")
    django.setup()


def operator_client() -> Any:  # a django.test.Client
    """A test client signed in as a superuser, as an operator reads the admin."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username="bench-operator", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    return client
