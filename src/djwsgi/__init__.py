"""djwsgi: every layer of Django a WSGI application, every WSGI application a Django view.

Django → WSGI, a view or a URLconf as a WSGI app mountable anywhere::

    application = djwsgi.wsgi_application("blog.urls", settings="mysite.settings")

WSGI → Django, any WSGI app as a view in a URLconf, behind Django's middleware::

    urlpatterns = [djwsgi.mount("wiki/", wiki_app, name="wiki")]
"""

from ._types import WSGIApplication as WSGIApplication
from .conf import ConfigurationError as ConfigurationError
from .convert import to_django_request as to_django_request
from .convert import to_django_response as to_django_response
from .convert import to_webob_request as to_webob_request
from .convert import to_webob_response as to_webob_response
from .handler import wsgi_application as wsgi_application
from .view import django_view as django_view
from .view import mount as mount

__all__ = [
    "ConfigurationError",
    "WSGIApplication",
    "django_view",
    "mount",
    "to_django_request",
    "to_django_response",
    "to_webob_request",
    "to_webob_response",
    "wsgi_application",
]
