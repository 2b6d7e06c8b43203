"""Signing in and out, under /accounts/."""

from django.urls import path

from . import views

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("signed-out/", views.signed_out, name="signed-out"),
    path("sso/<slug:slug>/login/", views.sso_start, name="sso-login"),
    path("sso/<slug:slug>/callback/", views.sso_callback, name="sso-callback"),
]
