"""The hand-written WebOb bridge at ``/naive/...``."""

from bench_site import naive_bridge
from django.urls import re_path

urlpatterns = [re_path(r"^naive(?P<path_info>/.*)?\Z", naive_bridge)]
