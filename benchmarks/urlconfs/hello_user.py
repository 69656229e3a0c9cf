"""The Django view reading ``request.user`` at ``/hello-user``."""

from bench_site import hello_user
from django.urls import path

urlpatterns = [path("hello-user", hello_user)]
