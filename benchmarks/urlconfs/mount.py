"""``mount("app", bare_app)``."""

from bench_site import bare_app

import djwsgi

urlpatterns = [djwsgi.mount("app", bare_app)]
