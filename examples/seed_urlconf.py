"""A URLconf is a WSGI application (the seed's second example, in today's Django).

Serve it with any WSGI server, from the repository root::

    waitress-serve --listen=127.0.0.1:8000 examples.seed_urlconf:application
    gunicorn --bind=127.0.0.1:8000 examples.seed_urlconf:application

then open http://127.0.0.1:8000/. The links come from ``reverse()``, so they stay right
wherever the application is mounted (``waitress-serve --url-prefix=/blog``, a Paste
urlmap): ``SCRIPT_NAME`` is the prefix. Paths no pattern matches get Django's 404.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, re_path, reverse
from django.utils.html import format_html, format_html_join

from djwsgi import wsgi_application

ARTICLES = {
    (2003, 1): "Django is born",
    (2005, 7): "Django goes open source",
    (2025, 4): "Django 5.2 LTS",
}


def index(request: HttpRequest) -> HttpResponse:
    items = format_html_join(
        "\n",
        '<li><a href="{}">{}</a></li>',
        ((reverse("article", args=key), title) for key, title in sorted(ARTICLES.items())),
    )
    archive = reverse("year-archive", kwargs={"year": "2005"})
    return HttpResponse(
        format_html('<ul>\n{}\n</ul>\n<p><a href="{}">2005</a></p>\n', items, archive)
    )


def year_archive(request: HttpRequest, year: str) -> HttpResponse:
    titles = [title for (y, _), title in sorted(ARTICLES.items()) if y == int(year)]
    return HttpResponse(f"{year}: {', '.join(titles) or 'nothing'}\n", content_type="text/plain")


def article(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    try:
        title = ARTICLES[year, pk]
    except KeyError:
        raise Http404("No such article") from None
    return HttpResponse(f"{year}/{pk}: {title}\n", content_type="text/plain")


def latest(request: HttpRequest) -> HttpResponse:
    year, pk = max(ARTICLES)
    return redirect("article", year=year, pk=pk)


urlpatterns = [
    path("", index, name="index"),
    re_path(r"^articles/(?P<year>[0-9]{4})/$", year_archive, name="year-archive"),
    path("articles/<int:year>/<int:pk>/", article, name="article"),
    path("latest/", latest, name="latest"),
]

application = wsgi_application(urlpatterns)
