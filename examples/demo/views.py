"""Views of the demo: ``reverse()`` shows the prefix each one is mounted under."""

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join


def home(request: HttpRequest) -> HttpResponse:
    links = [
        ("home", "demo-home"),
        ("who am I", "whoami"),
        ("log in", "login"),
        ("admin", "admin:index"),
    ]
    items = format_html_join(
        "\n", '<li><a href="{}">{}</a></li>', ((reverse(n), t) for t, n in links)
    )
    return HttpResponse(
        format_html(
            "<!doctype html><title>djwsgi demo</title><h1>Django URLconf at {}</h1><ul>{}</ul>",
            reverse("demo-home"),
            items,
        )
    )


def whoami(request: HttpRequest) -> HttpResponse:
    user = request.user.get_username() if request.user.is_authenticated else "anonymous"
    return HttpResponse(f"{user} at {reverse('whoami')}\n", content_type="text/plain")


def hello(request: HttpRequest) -> HttpResponse:
    """A lone view: mounted with egg:djwsgi#view it answers every path under its prefix."""
    return HttpResponse(
        f"Hello from a lone Django view at {request.path} "
        f"(mounted at {request.META['SCRIPT_NAME'] or '/'})\n",
        content_type="text/plain",
    )
