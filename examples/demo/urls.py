"""The demo URLconf, mounted at /django (egg:djwsgi#urlconf) and at /site (egg:djwsgi#site)."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="demo-home"),
    path("whoami/", views.whoami, name="whoami"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
