"""Django views shared by the tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse


def home(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"home at {reverse('home')}", content_type="text/plain")
