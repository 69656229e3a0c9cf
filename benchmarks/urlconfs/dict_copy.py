"""The hand-written dict-copy bridge at ``/copy/...``."""

from bench_site import dict_copy_bridge
from django.urls import re_path

urlpatterns = [re_path(r"^copy(?P<path_info>/.*)?\Z", dict_copy_bridge)]
