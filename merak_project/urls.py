"""Root URLs: the ChatKit endpoint, health, and the admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("chatkit_app.urls")),
    path("admin/", admin.site.urls),
]
