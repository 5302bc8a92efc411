"""URLs of the ChatKit surface: the protocol, the composer's options and "@" tag search, client tokens,
attachment files, running replies, and health."""

from django.urls import path, re_path

from chatkit_app.attachments import views as attachments
from chatkit_app.identity import views as identity
from chatkit_app.protocol import views as protocol
from chatkit_app.runs import views as runs

urlpatterns = [
    path("chatkit", protocol.chatkit, name="chatkit"),
    path("chatkit/options", protocol.composer_options, name="chatkit-options"),
    path("chatkit/entities", protocol.entity_search, name="chatkit-entities"),
    path("chatkit/token/start", identity.token_start, name="chatkit-token-start"),
    path("chatkit/token/refresh", identity.token_refresh, name="chatkit-token-refresh"),
    path("chatkit/attachments/<str:token>/upload", attachments.attachment_upload, name="chatkit-attachment-upload"),
    path("chatkit/attachments/<str:token>", attachments.attachment_file, name="chatkit-attachment-file"),
    path("chatkit/runs/<str:thread_id>", runs.run_status, name="chatkit-run"),
    path("chatkit/runs/<str:thread_id>/cancel", runs.cancel_run, name="chatkit-run-cancel"),
    path("chatkit/runs/<str:thread_id>/usage", runs.thread_usage, name="chatkit-run-usage"),
    # Anything else under /chatkit is a JSON 404, even with DEBUG on.
    re_path(r"^chatkit/", protocol.not_found),
    path("healthz", protocol.healthz, name="healthz"),
]
