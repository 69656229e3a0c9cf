"""Mistakes are caught when the application is built, and the message names the culprit."""

from django.http import HttpResponse
from webtest import TestApp

from djwsgi import ConfigurationError, wsgi_application


def hello(request):
    return HttpResponse("hello\n")


application = wsgi_application(hello, settings={"SECRET_KEY": "change me"})

for target, kwargs in [
    ("blgo.urls", {}),  # a typo in the dotted path: refused at once
    ("json:dumsp", {}),  # the module exists: the attribute is checked on first use
    (hello, {"middleware": "django.middleware.common.CommonMiddleware"}),  # not a list
    (hello, {"settings": "mysite.settings"}),  # a second settings object
]:
    try:
        TestApp(wsgi_application(target, **kwargs)).get("/")
    except ConfigurationError as exc:
        print(exc)
