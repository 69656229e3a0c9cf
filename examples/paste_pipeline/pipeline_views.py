"""The Django side of pipeline.ini: a URLconf (``urlconf = pipeline_views``) and a view."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, reverse


def index(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"items": [reverse("item", args=[n]) for n in (1, 2)]})


def item(request: HttpRequest, number: int) -> JsonResponse:
    return JsonResponse({"item": number, "url": reverse("item", args=[number])})


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"Hello from Django at {request.path}\n", content_type="text/plain")


urlpatterns = [
    path("", index, name="index"),
    path("items/<int:number>/", item, name="item"),
]
