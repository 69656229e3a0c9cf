"""``egg:djwsgi#site``: ini apps mounted inside a Django project's URL space."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any
from wsgiref.validate import validator

import pytest
from django.urls import URLPattern
from paste.deploy import loadapp
from webtest import TestApp

from djwsgi import ConfigurationError
from djwsgi.handler import DjangoApplication
from djwsgi.view import MountPattern

HERE = Path(__file__).resolve().parent


def load(name: str = "main") -> Any:
    return loadapp(f"config:configs/paste_site.ini#{name}", relative_to=str(HERE))


@pytest.fixture(scope="module")
def site() -> TestApp:
    return TestApp(validator(load()))


def test_mounted_app_gets_the_shifted_path(site: TestApp) -> None:
    assert site.get("/site/wiki/Front/Page").text == "script=/site/wiki path=/Front/Page user=-"
    assert site.get("/site/wiki").text == "script=/site/wiki path= user=-"


def test_longest_mount_wins(site: TestApp) -> None:
    assert site.get("/site/wiki/flask/").text == "anonymous at /site/wiki/flask/"
    assert site.get("/site/wiki/flasks").text == "script=/site/wiki path=/flasks user=-"


def test_project_patterns_answer_under_the_prefix(site: TestApp) -> None:
    assert site.get("/site/named/").text == "named at /site/named/"
    assert site.get("/project/").text == "home at /project/"  # ROOT_URLCONF, tests.urls


def test_mounts_match_on_segment_boundaries_and_keep_handler404(site: TestApp) -> None:
    response = site.get("/site/wikipedia", status=404)
    assert response.text == "custom 404 of tests.paste_urls"


def test_mounted_apps_run_behind_the_project_middleware(site: TestApp) -> None:
    response = site.get("/site/wiki/x")
    assert "X-Content-Type-Options" in response.headers  # tests.settings' SecurityMiddleware
    guarded = site.get("/site/guarded/", status=302)
    assert guarded.headers["Location"] == "/accounts/login/?next=/site/guarded/"


def test_logged_in_user_is_remote_user_in_mounted_apps(django_db: None) -> None:
    from django.contrib.auth.models import User

    if not User.objects.filter(username="bob").exists():
        User.objects.create_user("bob", password="builder", is_staff=True)
    app = TestApp(validator(load()))
    form = app.get("/project/admin/login/?next=/site/wiki/x").forms["login-form"]
    form["username"], form["password"] = "bob", "builder"
    assert form.submit(status=302).headers["Location"] == "/site/wiki/x"
    assert app.get("/site/wiki/x").text == "script=/site/wiki path=/x user=bob"
    assert app.get("/site/guarded/").text == "Hello, bob! at /site/guarded/"


def test_site_is_a_django_application_whose_urlconf_lists_the_mounts() -> None:
    app = load("site")
    assert isinstance(app, DjangoApplication)
    patterns = app.urlconf.urlpatterns
    mounts = [p for p in patterns if isinstance(p.pattern, MountPattern)]
    assert [m.pattern.prefix for m in mounts] == ["wiki/flask", "wiki", "guarded"]
    assert all(callable(m.callback.wsgi_app) for m in mounts)
    assert [p.name for p in patterns if isinstance(p, URLPattern) and p.name] == [
        "paste-named",
        "paste-hello",
    ]


def load_error(tmp_path: Path, site_options: str) -> str:
    ini = tmp_path / "site.ini"
    ini.write_text(
        textwrap.dedent(
            """
            [composite:main]
            use = egg:djwsgi#site
            settings = tests.settings
            {}

            [app:wiki]
            use = call:tests.apps.paste_apps:echo_factory
            """
        ).format(site_options)
    )
    with pytest.raises(ConfigurationError) as info:
        loadapp(f"config:{ini}")
    message = str(info.value)
    assert f"egg:djwsgi#site in {ini}" in message
    return message


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        pytest.param("mount./ = wiki", "mount./ = 'wiki': expected mount./path", id="root"),
        pytest.param("mount./a//b = wiki", "mount./a//b = 'wiki'", id="empty segment"),
        pytest.param("mount./w = wiki other", "expected the name of one app", id="two names"),
        pytest.param(
            "mount./w = nowiki", "mount./w = 'nowiki': No section 'nowiki'", id="no such app"
        ),
        pytest.param(
            "mount./w = wiki\nmount.w/ = wiki", "the same path as mount./w", id="duplicate"
        ),
        pytest.param("", "no mount./path = app option", id="no mounts"),
        pytest.param("mount./w = wiki\nmounts = x", "unknown option mounts", id="unknown"),
        pytest.param(
            "mount./w = wiki\nurlconf = tests.nothing", "urlconf = 'tests.nothing'", id="urlconf"
        ),
    ],
)
def test_bad_site_options(tmp_path: Path, options: str, expected: str) -> None:
    assert expected in load_error(tmp_path, options)
