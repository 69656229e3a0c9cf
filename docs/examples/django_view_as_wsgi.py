"""A Django view as a WSGI application: it answers every path under its mount point."""

from django.http import HttpResponse

from djwsgi import wsgi_application


def my_view(request):
    mounted_at = request.META["SCRIPT_NAME"] or "/"
    return HttpResponse(f"{request.method} {request.path} (mounted at {mounted_at})\n")


application = wsgi_application(my_view)

if __name__ == "__main__":
    from webtest import TestApp

    client = TestApp(application)
    print(client.get("/").text, end="")
    print(client.get("/any/path?q=1").text, end="")
    response = client.get("/reports/2024", extra_environ={"SCRIPT_NAME": "/hello"})
    print(response.text, end="")
    print("Content-Length:", response.headers["Content-Length"])
