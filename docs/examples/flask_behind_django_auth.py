"""A Flask app inside a Django project, behind Django's sessions and authentication."""

import django
from django.conf import settings
from flask import Flask, request, url_for

import djwsgi

wiki = Flask("wiki")


@wiki.get("/<page>")
def show(page):
    user = request.environ.get("REMOTE_USER", "anonymous")
    return f"{page} for {user}; edit at {url_for('show', page=page, action='edit')}\n"


urlpatterns = [djwsgi.mount("wiki/", wiki)]

if __name__ == "__main__":
    settings.configure(
        ROOT_URLCONF=__name__,
        SECRET_KEY="change me",
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes"],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
        ],
        SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    )
    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    client = Client()

    def visit(url, **kwargs):
        response = client.get(url, **kwargs)  # Flask's body streams through Django
        print(response.status_code, response.getvalue().decode(), end="")
        response.close()

    visit("/wiki/Caf%C3%A9", headers={"Remote-User": "mallory"})  # a forged header
    client.force_login(User.objects.create_user("alice"))
    visit("/wiki/Home")
