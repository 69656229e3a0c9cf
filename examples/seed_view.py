"""One Django view is a whole WSGI application (the seed's first example, in today's Django).

Serve it with any WSGI server, from the repository root::

    waitress-serve --listen=127.0.0.1:8000 examples.seed_view:application
    gunicorn --bind=127.0.0.1:8000 examples.seed_view:application

and every path answers: http://127.0.0.1:8000/, http://127.0.0.1:8000/any/path?x=1.
There is no settings module: on the first request djwsgi configures minimal settings
(``DEBUG = False``, a random ``SECRET_KEY``, with a warning that says so).
"""

from django.http import HttpRequest, HttpResponse

from djwsgi import wsgi_application


def my_view(request: HttpRequest) -> HttpResponse:
    query = request.GET.urlencode()
    return HttpResponse(
        f"Hello from a Django view: {request.method} {request.path}"
        + (f"?{query}" if query else "")
        + "\n",
        content_type="text/plain; charset=utf-8",
    )


application = wsgi_application(my_view)
