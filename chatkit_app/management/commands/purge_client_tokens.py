"""`manage.py purge_client_tokens`: delete long-dead client tokens and lapsed thread leases (run it daily)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from chatkit_app.guards import leases
from chatkit_app.identity import tokens


class Command(BaseCommand):
    help = "Delete client tokens that expired (refresh grace included) more than --days ago, and lapsed thread leases."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30, help="keep dead tokens this long, for the admin (30)")

    def handle(self, *args: Any, days: int, **options: Any) -> None:
        purged = tokens.purge(older_than=timedelta(days=days))
        lapsed = leases.purge_lapsed()
        self.stdout.write(f"Deleted {purged} client token(s) and {lapsed} lapsed thread lease(s).")
