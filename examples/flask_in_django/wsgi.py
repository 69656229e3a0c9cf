"""The whole site as one WSGI application (Django's middleware in front of Flask)."""

import djwsgi

application = djwsgi.wsgi_application("flask_in_django.urls", settings="flask_in_django.settings")
