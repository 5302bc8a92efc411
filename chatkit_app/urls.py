"""URLs of the ChatKit surface."""

from django.urls import path, re_path

from . import views

urlpatterns = [
    path("chatkit", views.chatkit, name="chatkit"),
    path("chatkit/token/start", views.token_start, name="chatkit-token-start"),
    path("chatkit/token/refresh", views.token_refresh, name="chatkit-token-refresh"),
    path("chatkit/attachments/<str:token>/upload", views.attachment_upload, name="chatkit-attachment-upload"),
    path("chatkit/attachments/<str:token>", views.attachment_file, name="chatkit-attachment-file"),
    # Anything else under /chatkit is a JSON 404, even with DEBUG on.
    re_path(r"^chatkit/", views.not_found),
    path("healthz", views.healthz, name="healthz"),
]
