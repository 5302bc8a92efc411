"""URLs of the ChatKit surface: the protocol, client tokens, attachment files, and health."""

from django.urls import path, re_path

from chatkit_app.attachments import views as attachments
from chatkit_app.identity import views as identity
from chatkit_app.protocol import views as protocol

urlpatterns = [
    path("chatkit", protocol.chatkit, name="chatkit"),
    path("chatkit/token/start", identity.token_start, name="chatkit-token-start"),
    path("chatkit/token/refresh", identity.token_refresh, name="chatkit-token-refresh"),
    path("chatkit/attachments/<str:token>/upload", attachments.attachment_upload, name="chatkit-attachment-upload"),
    path("chatkit/attachments/<str:token>", attachments.attachment_file, name="chatkit-attachment-file"),
    # Anything else under /chatkit is a JSON 404, even with DEBUG on.
    re_path(r"^chatkit/", protocol.not_found),
    path("healthz", protocol.healthz, name="healthz"),
]
