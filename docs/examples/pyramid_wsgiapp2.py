"""A Django URLconf inside a Pyramid application, with pyramid.wsgi.wsgiapp2."""

from django.http import HttpResponse
from django.urls import path, reverse
from pyramid.config import Configurator
from pyramid.wsgi import wsgiapp2

from djwsgi import wsgi_application


def post(request, pk):
    return HttpResponse(f"post {pk}; index at {reverse('index')}\n")


urlpatterns = [
    path("", lambda request: HttpResponse("index\n"), name="index"),
    path("posts/<int:pk>/", post),
]

with Configurator() as config:
    config.add_route("blog", "/blog/*subpath")
    config.add_view(wsgiapp2(wsgi_application(urlpatterns)), route_name="blog")
    application = config.make_wsgi_app()

if __name__ == "__main__":
    from webtest import TestApp

    client = TestApp(application)
    print(client.get("/blog/posts/7/").text, end="")
    print(client.get("/blog/").text, end="")
