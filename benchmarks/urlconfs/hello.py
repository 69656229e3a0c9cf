"""The Django view (``bench_site.hello``) at ``/hello``."""

from bench_site import hello
from django.urls import path

urlpatterns = [path("hello", hello)]
