"""Type aliases shared by the djwsgi modules (PEP 3333 types come from :mod:`wsgiref.types`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, TypeAlias
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["StartResponse", "Target", "WSGIApplication", "WSGIEnvironment"]

#: What :func:`djwsgi.wsgi_application` accepts: a view callable, a list of URL patterns,
#: a module (or any object) with ``urlpatterns``, or a dotted string naming one of those.
Target: TypeAlias = Callable[..., Any] | Sequence[Any] | ModuleType | str
