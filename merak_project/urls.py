"""Root URLs: the ChatKit endpoint, health, and the admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("chatkit_app.urls")),
    path("admin/", admin.site.urls),
]

# Errors outside the admin are JSON, never Django's HTML pages.
handler404 = "chatkit_app.protocol.views.not_found"
handler500 = "chatkit_app.protocol.views.server_error"
