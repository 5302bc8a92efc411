"""`manage.py purge_attachments`: delete attachments that were never sent in a message (run it daily)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from chatkit_app.attachments import files


class Command(BaseCommand):
    help = "Delete attachments (records and files) registered over --hours ago and never sent in a message."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=24, help="leave unsent attachments this long (24)")

    def handle(self, *args: Any, hours: int, **options: Any) -> None:
        purged = files.purge_unsent(timedelta(hours=hours))
        self.stdout.write(f"Deleted {purged} attachment(s) never sent in a message.")
