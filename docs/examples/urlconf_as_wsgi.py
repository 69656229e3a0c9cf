"""A URLconf as a WSGI application, mounted at /blog beside another WSGI app."""

from django.http import HttpResponse
from django.urls import path, reverse
from paste.urlmap import URLMap

from djwsgi import wsgi_application


def index(request):
    return HttpResponse(f"latest post: {reverse('post', args=[42])}\n")


def post(request, pk):
    return HttpResponse(f"post {pk} at {request.build_absolute_uri()}\n")


urlpatterns = [
    path("", index, name="index"),
    path("posts/<int:pk>/", post, name="post"),
]

blog = wsgi_application(
    urlpatterns,  # or a dotted path: "mysite.blog.urls"
    settings={"ALLOWED_HOSTS": ["example.com"], "SECRET_KEY": "change me"},
)


def status(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok\n"]


application = URLMap()
application["/blog"] = blog
application["/status"] = status

if __name__ == "__main__":
    from webtest import TestApp

    client = TestApp(application, extra_environ={"HTTP_HOST": "example.com"})
    print(client.get("/blog/").text, end="")
    print(client.get("/blog/posts/42/").text, end="")
    print(client.get("/status").text, end="")
    print(client.get("/blog/nowhere/", status=404).status)
