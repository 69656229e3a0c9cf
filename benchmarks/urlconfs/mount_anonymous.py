"""``mount("app-anonymous", bare_app, remote_user=False)``."""

from bench_site import bare_app

import djwsgi

urlpatterns = [djwsgi.mount("app-anonymous", bare_app, remote_user=False)]
