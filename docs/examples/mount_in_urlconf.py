"""A plain WSGI function mounted in a Django project's URLconf."""

import django
from django.conf import settings
from django.http import HttpResponse
from django.urls import path, reverse

import djwsgi


def legacy(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    return [f"SCRIPT_NAME={environ['SCRIPT_NAME']!r} PATH_INFO={environ['PATH_INFO']!r}\n".encode()]


def home(request):
    return HttpResponse(f"the legacy app lives at {reverse('legacy', kwargs={'path_info': ''})}\n")


urlpatterns = [
    path("", home),
    djwsgi.mount("legacy/", legacy, name="legacy"),
]

if __name__ == "__main__":
    # A one-file Django project: settings, then Django's own WSGI handler.
    settings.configure(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["localhost"], SECRET_KEY="x")
    django.setup()
    from django.core.wsgi import get_wsgi_application
    from webtest import TestApp

    client = TestApp(get_wsgi_application())
    print(client.get("/").text, end="")
    for url in ["/legacy", "/legacy/", "/legacy/a/b?x=1", "/legacy/caf%C3%A9"]:
        print(f"{url:18}", client.get(url).text, end="")
    print(f"{'/legacyfoo':18}", client.get("/legacyfoo", status=404).status)
    print(reverse("legacy", kwargs={"path_info": "/a/b"}))
