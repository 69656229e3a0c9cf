"""The Django URLconf: Django's login view, and the Flask app mounted at ``/flask/``."""

from django.contrib.auth.views import LoginView, LogoutView
from django.urls import path

import djwsgi

from .flask_app import app as flask_app

urlpatterns = [
    path("accounts/login/", LoginView.as_view(template_name="login.html"), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    djwsgi.mount("flask/", flask_app, name="flask"),
]
