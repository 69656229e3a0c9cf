"""ROOT_URLCONF of the test project (each test mounts what it needs with its own URLconf)."""

from django.contrib import admin
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
]
