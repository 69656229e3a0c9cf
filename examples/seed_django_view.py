"""WSGI → Django: a plain WSGI function mounted in a Django URLconf.

Self-contained: no settings module, djwsgi configures minimal Django settings on the
first request (with a warning that its random SECRET_KEY lasts one process). Serve it::

    waitress-serve --listen=127.0.0.1:8000 seed_django_view:application    # from examples/

then open http://127.0.0.1:8000/ (Django) and http://127.0.0.1:8000/hello/there (WSGI).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse

import djwsgi


def hello(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """Any WSGI application: this one says where it is mounted and what it was asked."""
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    return [
        f"Hello from WSGI: SCRIPT_NAME={environ['SCRIPT_NAME']!r} "
        f"PATH_INFO={environ['PATH_INFO']!r}\n".encode()
    ]


def home(request: HttpRequest) -> HttpResponse:
    url = reverse("hello", kwargs={"path_info": "/there"})
    return HttpResponse(f"Django home; the WSGI app answers at {url}\n", content_type="text/plain")


urlpatterns = [
    path("", home),
    djwsgi.mount("hello/", hello, name="hello"),
]

application = djwsgi.wsgi_application(urlpatterns)
