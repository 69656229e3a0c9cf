"""A Pyramid app with a Django URLconf mounted at ``/django`` by ``config.add_django_app``.

Serve it with ``waitress-serve examples.django_in_pyramid.app:application`` and open
http://127.0.0.1:8080/: Pyramid links to Django with ``request.route_url("django")``;
Django's ``reverse()`` answers under ``/django`` and links back to Pyramid's routes.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from pyramid.config import Configurator
from pyramid.request import Request
from pyramid.response import Response


def hello(request: HttpRequest, name: str) -> HttpResponse:
    pyramid = request.META["djwsgi.pyramid_request"]  # the Pyramid request, if you need it
    return HttpResponse(
        f"Hello {name}, from Django at {reverse('hello', args=[name])}; "
        f"Pyramid's home is {pyramid.route_path('home')}\n",
        content_type="text/plain",
    )


urlpatterns = [path("hello/<str:name>/", hello, name="hello")]


def home(request: Request) -> Response:
    django = request.route_path("django", subpath="/hello/pyramid/")
    return Response(f"Pyramid here; Django says hello at {django}\n", content_type="text/plain")


config = Configurator()
config.include("djwsgi.pyramid")
config.add_route("home", "/")
config.add_view(home, route_name="home")
config.add_django_app("django", "/django", urlpatterns)
application = config.make_wsgi_app()
