"""Call a WebOb-based app from a Django view and post-process its response."""

import django
from django.conf import settings
from webob import Response
from webob.dec import wsgify

from djwsgi import to_django_response, to_webob_request


@wsgify
def wiki_app(request):
    response = Response(f"page {request.path_info}\n", content_type="text/plain")
    response.status = "201 Created Here"
    response.set_cookie("seen", "1", httponly=True, samesite="Lax")
    return response


def wiki(request):
    webob_response = to_webob_request(request).get_response(wiki_app)
    webob_response.headers["X-Served-By"] = "wiki"
    return to_django_response(webob_response)


if __name__ == "__main__":
    settings.configure(ALLOWED_HOSTS=["testserver"], SECRET_KEY="x")
    django.setup()
    from django.test import RequestFactory

    response = wiki(RequestFactory().get("/Home"))
    print(response.status_code, response.reason_phrase)
    print("X-Served-By:", response["X-Served-By"])
    print("Set-Cookie:", response.cookies["seen"].OutputString())
    print(response.content.decode(), end="")
