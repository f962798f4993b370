"""Filled in (not guide code): routes for the guide's Django views, at the same paths the
guide's Flask and FastAPI apps use."""

from django.urls import path

from django_app import views

urlpatterns = [
    path("api/auth/hawcx/callback", views.auth_callback),
    path("api/me", views.get_current_user),
]
