"""Mercurial's real ``hgweb`` mounted in a Django site at ``/hg/``, for a live clone test.

Serve it with ``DJWSGI_HG_REPO=/path/to/repo waitress-serve tests.apps.hgweb_app:application``;
both hgweb and the Django application are wrapped in :func:`wsgiref.validate.validator`.
"""

from __future__ import annotations

import os
from wsgiref.validate import validator

from mercurial.hgweb import hgweb

import djwsgi

hg_app = hgweb(os.fsencode(os.environ["DJWSGI_HG_REPO"]))

application = validator(
    djwsgi.wsgi_application([djwsgi.mount("hg/", validator(hg_app))], settings="tests.settings")
)
