"""ORM tables behind the ChatKit store (threads, their items, attachments, feedback),
the client tokens that identify callers, and the leases that keep one stream per thread.

Each store row keeps the SDK object as JSON in `data`; that JSON is the object. The
other columns (ids, user, type, timestamps, title) exist for queries and the
admin, and are derived from the object in one place: `chatkit_app.store`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.files.storage import default_storage
from django.db import models


def as_aware(value: datetime) -> datetime:
    """The SDK stamps items with naive local time; columns store aware UTC."""
    if value.tzinfo is None:
        value = value.astimezone()  # interpret as this machine's local time
    return value.astimezone(UTC)


class Thread(models.Model):
    seq = models.BigAutoField(primary_key=True)
    thread_id = models.CharField("thread id", max_length=64, unique=True)
    user_id = models.CharField("user id", max_length=128)
    title = models.CharField(max_length=512, blank=True, default="")
    status = models.CharField(max_length=16, default="active")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    data = models.JSONField(help_text="The ChatKit ThreadMetadata, as JSON.")

    class Meta:
        indexes = [
            models.Index(fields=["user_id", "created_at", "seq"], name="thread_user_created"),
            models.Index(fields=["updated_at", "seq"], name="thread_activity"),  # the admin's list, newest first
        ]
        ordering = ["-created_at", "-seq"]

    def __str__(self) -> str:
        return self.title or self.thread_id


class Item(models.Model):
    seq = models.BigAutoField(primary_key=True)
    thread = models.ForeignKey(
        Thread,
        to_field="thread_id",
        db_column="thread_id",
        db_index=False,  # the two composite indexes below both start with it
        on_delete=models.CASCADE,
        related_name="items",
    )
    item_id = models.CharField("item id", max_length=64)
    user_id = models.CharField("user id", max_length=128)
    type = models.CharField(max_length=32)
    created_at = models.DateTimeField()
    data = models.JSONField(help_text="The ChatKit ThreadItem, as JSON.")
    # On PostgreSQL a GIN index over its words serves the admin's search (migration 0006).
    text = models.TextField(blank=True, default="", help_text="A user or assistant message's text, for search.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "item_id"], name="item_unique_in_thread")]
        indexes = [models.Index(fields=["thread", "created_at", "seq"], name="item_thread_created")]
        ordering = ["created_at", "seq"]

    def __str__(self) -> str:
        return f"{self.type} {self.item_id}"


class Attachment(models.Model):
    attachment_id = models.CharField("attachment id", max_length=64, primary_key=True)
    user_id = models.CharField("user id", max_length=128, db_index=True)
    thread_id = models.CharField("thread id", max_length=64, blank=True, default="", db_index=True)
    name = models.CharField(max_length=512)
    mime_type = models.CharField(max_length=255)
    type = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField(help_text="The ChatKit Attachment, as JSON.")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def file_name(attachment_id: str) -> str:
        """Where an attachment's uploaded file lives in Django's default storage."""
        return f"attachments/{attachment_id}"

    @staticmethod
    def delete_files(attachment_ids: list[str]) -> None:
        """Delete these attachments' uploaded files (blocking storage calls: not on the event loop)."""
        for attachment_id in attachment_ids:
            default_storage.delete(Attachment.file_name(attachment_id))


class Reply(models.Model):
    """What one reply cost and how it went: its model, tokens, timings and outcome.

    Written once, when the reply ends (`chatkit_app.runs.usage`), for every
    streamed request: a new message, a retry, a widget action, a client tool's
    answer; cancelled and failed ones too. Beside the items, not in their JSON:
    ChatKit has no field for it. `cost` is priced from `MERAK_MODEL_PRICES` at
    the time, and null for a model without a price.
    """

    class Outcome(models.TextChoices):
        DONE = "done"
        CANCELLED = "cancelled"  # its client left, where replies do not outlive clients
        STOPPED = "stopped"  # the stop button, or an operator
        SHUTDOWN = "shutdown"  # its worker stopped before it ended
        EXPIRED = "expired"  # past MERAK_RUN_MAX_SECONDS
        FAILED = "failed"

    thread = models.ForeignKey(
        Thread, to_field="thread_id", db_column="thread_id", on_delete=models.CASCADE, related_name="replies"
    )
    user_id = models.CharField("user id", max_length=128)
    item_id = models.CharField("reply item id", max_length=64, blank=True, default="")
    request_type = models.CharField(max_length=64)
    model = models.CharField(max_length=200, blank=True, default="")
    offline = models.BooleanField(default=False, help_text="Answered by the offline planner: tokens are words.")
    input_tokens = models.PositiveIntegerField(default=0)
    cached_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    requests = models.PositiveIntegerField("model requests", default=0)
    tool_calls = models.PositiveIntegerField(default=0)
    first_token_ms = models.PositiveIntegerField("time to first token (ms)", null=True, blank=True)
    total_ms = models.PositiveIntegerField("total time (ms)", default=0)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    error_code = models.CharField(max_length=64, blank=True, default="")
    cost = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True, help_text="In USD.")
    started_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["thread", "started_at"], name="reply_thread_started"),
            models.Index(fields=["started_at"], name="reply_started"),
        ]
        ordering = ["-started_at"]
        verbose_name_plural = "replies"

    def __str__(self) -> str:
        return f"reply {self.item_id or self.pk} ({self.outcome})"


class Feedback(models.Model):
    class Kind(models.TextChoices):
        POSITIVE = "positive"
        NEGATIVE = "negative"

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="feedback")
    user_id = models.CharField("user id", max_length=128)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "user_id"], name="feedback_once_per_item")]
        verbose_name_plural = "feedback"

    def __str__(self) -> str:
        return f"{self.kind} on {self.item.item_id}"


class ClientToken(models.Model):
    """A client secret handed out for one user: only its SHA-256 is kept, never the secret.

    Refreshing revokes a token and issues its successor (`replaces`); every
    token of one refresh chain shares `chain`, so reuse of a rotated secret can
    revoke them all at once. The rules live in `chatkit_app.tokens`.
    """

    class RevokedReason(models.TextChoices):
        ROTATED = "rotated", "rotated (refreshed)"
        REUSE = "reuse", "chain revoked: a rotated secret was reused"
        ADMIN = "admin", "revoked by an administrator"

    secret_hash = models.CharField("secret hash", max_length=64, unique=True, editable=False)
    user_id = models.CharField("user id", max_length=128, db_index=True)
    chain = models.UUIDField(db_index=True, editable=False, help_text="Shared by every token of one refresh chain.")
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaced_by", editable=False
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=16, choices=RevokedReason.choices, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"token {self.pk} of {self.user_id}"


class ThreadLease(models.Model):
    """Held while a reply runs in a thread, so two replies never interleave their items.

    A row per (thread, user) rather than per thread: another user's request
    for the same id then never waits on, or learns of, the owner's stream. The
    holder renews `expires_at` while it streams; a worker that dies leaves a
    lease that lapses. The rules live in `chatkit_app.thread_locks`.
    """

    thread_id = models.CharField("thread id", max_length=64)
    user_id = models.CharField("user id", max_length=128)
    holder = models.CharField(max_length=32, help_text="Random id of the reply holding the lease.")
    channel = models.CharField(
        max_length=128, blank=True, default="", help_text="The channel of the worker running the reply (to stop it)."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread_id", "user_id"], name="one_stream_per_thread")]

    def __str__(self) -> str:
        return f"lease on {self.thread_id}"


class RunningReply(ThreadLease):
    """A live thread lease seen as what it stands for, in the admin: a reply in progress."""

    class Meta:
        proxy = True
        verbose_name = "reply in progress"
        verbose_name_plural = "replies in progress"


class Usage(Reply):
    """Replies seen in aggregate, in the admin: the usage dashboard (`console.dashboard`).

    A proxy so the dashboard is a row of the admin's index and sidebar like any
    model. It has no permissions of its own: viewing replies lets one view it.
    """

    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = verbose_name_plural = "usage"
