"""URLs of the ChatKit surface."""

from django.urls import path

from . import views

urlpatterns = [
    path("chatkit", views.chatkit, name="chatkit"),
    path("healthz", views.healthz, name="healthz"),
]
