from wsgiref.validate import validator

from django.http import HttpResponse
from django.urls import path, reverse
from webtest import TestApp

import djwsgi


def test_urlconf_reverse_under_script_name() -> None:
    def view(request):
        return HttpResponse(reverse("x"), content_type="text/plain")

    app = TestApp(
        validator(djwsgi.wsgi_application([path("x/", view, name="x")])),
        extra_environ={"SCRIPT_NAME": "/pre"},
    )
    assert app.get("/x/").text == "/pre/x/"
