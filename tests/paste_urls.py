"""A URLconf with its own handler404, for the PasteDeploy tests (urlconf and site)."""

from django.urls import path

from tests import paste_views

urlpatterns = [
    path("named/", paste_views.named, name="paste-named"),
    path("hello/", paste_views.hello, name="paste-hello"),
]
handler404 = paste_views.not_found
