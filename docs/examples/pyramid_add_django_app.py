"""A Django URLconf under /blog in a Pyramid application, with config.add_django_app()."""

from django.http import HttpResponse
from django.urls import path, reverse
from pyramid.config import Configurator


def post(request, pk):  # a Django view
    pyramid_request = request.META["djwsgi.pyramid_request"]
    home = pyramid_request.route_path("home")
    return HttpResponse(f"post {pk}; blog index at {reverse('index')}; Pyramid home at {home}\n")


urlpatterns = [
    path("", lambda request: HttpResponse("blog index\n"), name="index"),
    path("posts/<int:pk>/", post),
]


def home(request):  # a Pyramid view
    return f"Pyramid home; a post is at {request.route_path('blog', subpath='/posts/7/')}\n"


with Configurator(settings={"djwsgi.settings": {"SECRET_KEY": "change me"}}) as config:
    config.include("djwsgi.pyramid")
    config.add_route("home", "/")
    config.add_view(home, route_name="home", renderer="string")
    config.add_django_app("blog", "/blog", urlpatterns)
    application = config.make_wsgi_app()

if __name__ == "__main__":
    from webtest import TestApp

    client = TestApp(application)
    print(client.get("/").text, end="")
    print(client.get("/blog/posts/7/").text, end="")
    print(client.get("/blog").text, end="")
