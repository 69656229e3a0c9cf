"""The PasteDeploy factories (djwsgi.paste), loaded with ``paste.deploy.loadapp`` from ini
files as users write them, and every bad value refused with the option, value and file."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any
from wsgiref.validate import validator

import pytest
from django.core.handlers.wsgi import WSGIHandler
from paste.deploy import loadapp
from webtest import TestApp

from djwsgi import ConfigurationError
from djwsgi.handler import DjangoApplication
from djwsgi.view import MountPattern

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def load(name: str = "main") -> Any:
    return loadapp(f"config:configs/paste_factories.ini#{name}", relative_to=str(HERE))


@pytest.fixture(scope="module")
def site() -> TestApp:
    return TestApp(validator(load()))


def write_ini(tmp_path: Path, body: str) -> Path:
    ini = tmp_path / "site.ini"
    ini.write_text(textwrap.dedent(body))
    return ini


def load_error(tmp_path: Path, body: str, name: str = "main") -> str:
    ini = write_ini(tmp_path, body)
    with pytest.raises(ConfigurationError) as info:
        loadapp(f"config:{ini}#{name}")
    message = str(info.value)
    assert str(ini) in message, message
    return message


# -- what each factory builds -------------------------------------------------------------


def test_view_answers_every_path_under_its_mount(site: TestApp) -> None:
    assert site.get("/hello/a/b").text == "hello /hello/a/b script=/hello"
    assert site.get("/hello").text == "hello /hello/ script=/hello"  # Django's request.path


def test_urlconf_reverses_under_its_mount(site: TestApp) -> None:
    assert site.get("/blog/named/").text == "named at /blog/named/"
    assert site.get("/patterns/named/").text == "named at /patterns/named/"


def test_urlconf_keeps_its_handler404(site: TestApp) -> None:
    response = site.get("/blog/missing/", status=404)
    assert response.text == "custom 404 of tests.paste_urls"


def test_project_is_djangos_own_application_for_its_settings(site: TestApp) -> None:
    assert site.get("/project/").text == "home at /project/"
    assert type(load("project")) is WSGIHandler


def test_factories_return_django_applications() -> None:
    for name in ("hello", "blog", "stamped", "flask"):
        assert isinstance(load(name), DjangoApplication), name


def test_middleware_option_replaces_settings_middleware(site: TestApp) -> None:
    stamped = site.get("/stamped/named/")
    assert stamped.headers["X-Stamp"] == "stamped"
    # tests.settings' chain (CommonMiddleware, ...) is not run: no X-Frame-Options... and
    # the plain URLconf app beside it runs that chain but not the stamp.
    plain = site.get("/blog/named/")
    assert "X-Stamp" not in plain.headers
    assert "X-Content-Type-Options" in plain.headers  # SecurityMiddleware of tests.settings
    assert "X-Content-Type-Options" not in stamped.headers


def test_settings_alias_django_settings_module(tmp_path: Path) -> None:
    ini = write_ini(
        tmp_path,
        """
        [app:main]
        use = egg:djwsgi#urlconf
        urlconf = tests.paste_urls
        django_settings_module = tests.settings
        """,
    )
    app = TestApp(loadapp(f"config:{ini}"), extra_environ={"SCRIPT_NAME": "/x"})
    assert app.get("/named/").text == "named at /x/named/"


# -- the not_found app --------------------------------------------------------------------


def test_not_found_app_lists_nothing(site: TestApp, validated: Callable[[Any], Any]) -> None:
    ours = site.get("/nowhere", status=404)
    assert ours.content_type == "text/plain"
    assert "/hello" not in ours.text and "/blog" not in ours.text
    assert "PATH_INFO" not in ours.text and "HTTP_" not in ours.text
    assert site.head("/nowhere", status=404).body == b""
    # Paste's default 404 is what it replaces: it lists the mounts and the environ.
    html = {"Accept": "text/html"}
    assert "/hello" not in site.get("/nowhere", headers=html, status=404).text
    pastes = TestApp(validated(load("paste404"))).get("/nowhere", headers=html, status=404)
    assert "/hello" in pastes.text and "HTTP_HOST" in pastes.text


def test_not_found_takes_no_options(tmp_path: Path) -> None:
    message = load_error(
        tmp_path,
        """
        [app:main]
        use = egg:djwsgi#not_found
        settings = tests.settings
        """,
    )
    assert "unknown option settings" in message


# -- the django filter: Django's sessions and auth in front of Flask ---------------------


@pytest.fixture(scope="module")
def alice(django_db: None) -> str:
    from django.contrib.auth.models import User

    if not User.objects.filter(username="alice").exists():
        User.objects.create_user("alice", password="wonderland", is_staff=True)
    return "alice"


def log_in(site: TestApp, user: str, password: str, next_url: str) -> Any:
    form = site.get(f"/project/admin/login/?next={next_url}").forms["login-form"]
    form["username"] = user
    form["password"] = password
    return form.submit(status=302)


@pytest.mark.parametrize("method", ["get", "head", "options", "post", "delete"])
def test_login_required_redirects_every_method(site: TestApp, method: str) -> None:
    response = getattr(site, method)("/flask/", status=302)
    assert response.headers["Location"] == "/accounts/login/?next=/flask/"


def test_login_required_next_keeps_outer_script_name(validated: Callable[[Any], Any]) -> None:
    app = TestApp(validated(load()), extra_environ={"SCRIPT_NAME": "/outer"})
    response = app.get("/flask/?q=1", status=302)
    assert response.headers["Location"] == "/accounts/login/?next=/outer/flask/%3Fq%3D1"


def test_logged_in_user_reaches_flask_as_remote_user(
    validated: Callable[[Any], Any], alice: str
) -> None:
    site = TestApp(validated(load()))
    assert log_in(site, alice, "wonderland", "/flask/").headers["Location"] == "/flask/"
    assert site.get("/flask/").text == "Hello, alice! at /flask/"
    assert site.head("/flask/").status_int == 200
    assert site.get("/open/").text == "Hello, alice! at /open/"


def test_filter_never_passes_a_forged_identity(site: TestApp) -> None:
    response = site.get(
        "/open/", headers={"Remote-User": "mallory"}, extra_environ={"REMOTE_USER": "mallory"}
    )
    assert response.text == "anonymous at /open/"


def test_filter_is_a_django_application_around_one_mount() -> None:
    app = load("flask")
    (pattern,) = app.urlconf.urlpatterns
    assert isinstance(pattern.pattern, MountPattern)
    from tests.apps.paste_apps import flask_app

    assert pattern.callback.wsgi_app is flask_app


def test_login_url_option(tmp_path: Path, validated: Callable[[Any], Any]) -> None:
    ini = write_ini(
        tmp_path,
        """
        [pipeline:main]
        pipeline = guard app

        [filter:guard]
        use = egg:djwsgi#django
        settings = tests.settings
        login_url = /project/admin/login/

        [app:app]
        use = call:tests.apps.paste_apps:flask_factory
        """,
    )
    text = ini.read_text().replace("login_url", "login_required = true\nlogin_url")
    ini.write_text(text)
    app = TestApp(validated(loadapp(f"config:{ini}")))
    assert app.get("/", status=302).headers["Location"] == "/project/admin/login/?next=/"


# -- bad values: one clear error each ----------------------------------------------------

VIEW = """
    [app:main]
    use = egg:djwsgi#view
    settings = tests.settings
    view = {}
    """


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("tests.paste_views", "a module is not a view", id="module, no colon"),
        pytest.param("tests.paste_views:nope", "has no attribute 'nope'", id="missing attr"),
        pytest.param(
            "tests.no_such_module:view",
            "module 'tests.no_such_module' not found",
            id="missing module",
        ),
        pytest.param(
            "tests.paste_views:Page", "module-level page = Page.as_view()", id="class-based view"
        ),
        pytest.param("tests.paste_views:patterns", "is list, not a view", id="pattern list"),
        pytest.param("tests.paste_views:not a view", "not a dotted path", id="not dotted"),
    ],
)
def test_bad_view(tmp_path: Path, value: str, expected: str) -> None:
    message = load_error(tmp_path, VIEW.format(value))
    assert f"view = {value!r}" in message
    assert expected in message
    assert "egg:djwsgi#view" in message


def test_class_based_view_made_with_as_view(tmp_path: Path) -> None:
    ini = write_ini(tmp_path, VIEW.format("tests.paste_views:page"))
    assert TestApp(validator(loadapp(f"config:{ini}"))).get("/any/path").text == "page"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("tests.no_such_urls", "module 'tests.no_such_urls' not found", id="missing"),
        pytest.param("tests.paste_views:hello", "function without urlpatterns", id="a view"),
    ],
)
def test_bad_urlconf(tmp_path: Path, value: str, expected: str) -> None:
    message = load_error(
        tmp_path,
        f"""
        [app:main]
        use = egg:djwsgi#urlconf
        settings = tests.settings
        urlconf = {value}
        """,
    )
    assert f"urlconf = {value!r}" in message and expected in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("tests.paste_views.Nope", "tests.paste_views.Nope", id="missing class"),
        pytest.param("Stamp", "not a dotted path", id="not dotted"),
        pytest.param("tests.nowhere.Middleware", "tests.nowhere", id="missing module"),
    ],
)
def test_bad_middleware(tmp_path: Path, value: str, expected: str) -> None:
    message = load_error(
        tmp_path,
        f"""
        [app:main]
        use = egg:djwsgi#urlconf
        settings = tests.settings
        urlconf = tests.paste_urls
        middleware = django.middleware.common.CommonMiddleware {value}
        """,
    )
    assert "middleware = 'django.middleware.common.CommonMiddleware " in message
    assert expected in message


@pytest.mark.parametrize(
    ("option", "factory"),
    [
        pytest.param("login_required = perhaps", "django", id="login_required"),
        pytest.param("remote_user = 2", "django", id="remote_user"),
        pytest.param("migrate = sometimes", "urlconf", id="migrate"),
        pytest.param("debug = loud", "urlconf", id="debug"),
    ],
)
def test_bad_boolean(tmp_path: Path, option: str, factory: str) -> None:
    if factory == "django":
        body = f"""
            [pipeline:main]
            pipeline = f app

            [filter:f]
            use = egg:djwsgi#django
            settings = tests.settings
            {option}

            [app:app]
            use = call:tests.apps.paste_apps:flask_factory
            """
    else:
        body = f"""
            [app:main]
            use = egg:djwsgi#urlconf
            settings = tests.settings
            urlconf = tests.paste_urls
            {option}
            """
    name, value = (part.strip() for part in option.split("="))
    message = load_error(tmp_path, body)
    assert f"{name} = {value!r}: expected true or false" in message


def test_bad_debug_in_default_section(tmp_path: Path) -> None:
    message = load_error(
        tmp_path,
        """
        [DEFAULT]
        debug = verbose

        [app:main]
        use = egg:djwsgi#view
        view = tests.paste_views:hello
        """,
    )
    assert "debug = 'verbose': expected true or false" in message


def test_unknown_options_are_named(tmp_path: Path) -> None:
    message = load_error(
        tmp_path,
        """
        [app:main]
        use = egg:djwsgi#urlconf
        settings = tests.settings
        urlconf = tests.paste_urls
        urlconfs = tests.urls
        midleware = x.Y
        """,
    )
    assert "unknown options midleware, urlconfs" in message
    assert "accepted: " in message and "middleware" in message


def test_missing_required_option(tmp_path: Path) -> None:
    message = load_error(
        tmp_path,
        """
        [app:main]
        use = egg:djwsgi#view
        settings = tests.settings
        """,
    )
    assert "missing option view" in message


def test_settings_and_alias_disagree(tmp_path: Path) -> None:
    message = load_error(
        tmp_path,
        """
        [app:main]
        use = egg:djwsgi#view
        view = tests.paste_views:hello
        settings = tests.settings
        django_settings_module = tests.other_settings
        """,
    )
    assert "'tests.settings'" in message and "'tests.other_settings'" in message


def test_two_settings_modules_in_one_process_are_refused(tmp_path: Path) -> None:
    message = load_error(
        tmp_path,
        """
        [composite:main]
        use = egg:Paste#urlmap
        /a = a
        /b = b

        [app:a]
        use = egg:djwsgi#view
        view = tests.paste_views:hello
        settings = tests.settings

        [app:b]
        use = egg:djwsgi#view
        view = tests.paste_views:hello
        settings = tests.other_settings
        """,
    )
    assert "settings = 'tests.other_settings'" in message
    assert "conflicts with tests.settings already in force" in message


def test_django_overrides_refused_with_a_settings_module(tmp_path: Path) -> None:
    message = load_error(
        tmp_path,
        """
        [app:main]
        use = egg:djwsgi#view
        view = tests.paste_views:hello
        settings = tests.settings
        django.TIME_ZONE = Europe/Paris
        """,
    )
    assert "django.TIME_ZONE cannot be combined with settings = 'tests.settings'" in message


def test_django_override_must_agree_with_settings_in_force(tmp_path: Path) -> None:
    body = """
        [app:main]
        use = egg:djwsgi#view
        view = tests.paste_views:hello
        django.USE_TZ = {}
        """
    ini = write_ini(tmp_path, body.format("True"))  # what tests.settings says: accepted
    assert TestApp(loadapp(f"config:{ini}")).get("/").status_int == 200
    message = load_error(tmp_path, body.format("False"))
    assert "django.USE_TZ = 'False'" in message
    assert "tests.settings" in message and "USE_TZ = True" in message


def test_django_setting_names_are_upper_case(tmp_path: Path) -> None:
    message = load_error(
        tmp_path,
        """
        [app:main]
        use = egg:djwsgi#view
        view = tests.paste_views:hello
        django.time_zone = UTC
        """,
    )
    assert "django.time_zone = 'UTC'" in message and "did you mean django.TIME_ZONE" in message


def test_filter_login_required_needs_auth_middleware(tmp_path: Path) -> None:
    message = load_error(
        tmp_path,
        """
        [pipeline:main]
        pipeline = f app

        [filter:f]
        use = egg:djwsgi#django
        settings = tests.settings
        login_required = true
        middleware = django.middleware.common.CommonMiddleware

        [app:app]
        use = call:tests.apps.paste_apps:flask_factory
        """,
    )
    assert "middleware = 'django.middleware.common.CommonMiddleware'" in message
    assert "AuthenticationMiddleware" in message


def test_filter_login_url_must_be_a_path(tmp_path: Path) -> None:
    message = load_error(
        tmp_path,
        """
        [pipeline:main]
        pipeline = f app

        [filter:f]
        use = egg:djwsgi#django
        settings = tests.settings
        login_required = true
        login_url = login

        [app:app]
        use = call:tests.apps.paste_apps:flask_factory
        """,
    )
    assert "login_url = 'login': is a URL name" in message


def test_project_middleware_conflicts_with_wsgi_application(tmp_path: Path) -> None:
    ini = write_ini(
        tmp_path,
        """
        [app:main]
        use = egg:djwsgi#project
        middleware = tests.paste_views.Stamp
        """,
    )
    app = loadapp(f"config:{ini}")  # tests.settings sets no WSGI_APPLICATION
    assert isinstance(app, DjangoApplication)
    assert TestApp(app).get("/").headers["X-Stamp"] == "stamped"


def test_migrate_option_runs_migrate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ini = write_ini(
        tmp_path,
        """
        [app:main]
        use = egg:djwsgi#urlconf
        settings = tests.settings
        urlconf = tests.paste_urls
        migrate = true
        """,
    )
    loadapp(f"config:{ini}")
    assert "Operations to perform:" in capsys.readouterr().err  # migrate's own report
    from django.db import connection

    assert "auth_user" in connection.introspection.table_names()


# -- settings djwsgi builds itself: a process with no settings (subprocess) --------------

FROM_INI = """
    [DEFAULT]
    debug = true
    # for every section; without it djwsgi warns (an error in this script)
    django.SECRET_KEY = "not-secret"

    [composite:main]
    use = egg:Paste#urlmap
    /a = a
    /b = b

    [app:a]
    use = egg:djwsgi#view
    view = tests.paste_views:settings_view
    django.TIME_ZONE = Europe/Paris
    django.ALLOWED_HOSTS = ["localhost", "example.org"]

    [app:b]
    use = egg:djwsgi#view
    view = tests.paste_views:settings_view

    [app:conflict]
    use = egg:djwsgi#view
    view = tests.paste_views:settings_view
    django.TIME_ZONE = Asia/Tokyo

    [app:quiet]
    use = egg:djwsgi#view
    view = tests.paste_views:settings_view
    set debug = false
    """

SCRIPT = """
import sys, warnings
warnings.simplefilter("error", RuntimeWarning)
from paste.deploy import loadapp
from webtest import TestApp
import djwsgi
ini = sys.argv[1]
app = TestApp(loadapp("config:" + ini))
print(app.get("/a/").text)
print(app.get("/b/").text)
for name in ("conflict", "quiet"):
    try:
        loadapp("config:" + ini + "#" + name)
    except djwsgi.ConfigurationError as exc:
        print("refused:", exc)
"""


def run_without_settings(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", script, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(REPO),
        timeout=60,
    )


def test_settings_from_ini_options(tmp_path: Path) -> None:
    ini = write_ini(tmp_path, FROM_INI)
    result = run_without_settings(SCRIPT, str(ini))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    expected = (
        "{'DEBUG': True, 'TIME_ZONE': 'Europe/Paris', "
        "'ALLOWED_HOSTS': ['localhost', 'example.org']}"
    )
    assert lines[:2] == [expected, expected]
    conflict, quiet = lines[2:]
    assert conflict.startswith(
        f"refused: egg:djwsgi#view in {ini}: django.TIME_ZONE = 'Asia/Tokyo'"
    )
    assert "TIME_ZONE = 'Europe/Paris'" in conflict
    assert quiet.startswith(f"refused: egg:djwsgi#view in {ini}: debug = 'false'")
    assert "DEBUG = True" in quiet


def test_settings_from_ini_warn_about_a_random_secret_key(tmp_path: Path) -> None:
    ini = write_ini(
        tmp_path,
        """
        [app:main]
        use = egg:djwsgi#view
        view = tests.paste_views:hello
        """,
    )
    script = "import sys; from paste.deploy import loadapp; loadapp('config:' + sys.argv[1])"
    result = run_without_settings(script, str(ini))
    assert result.returncode == 0, result.stderr
    assert "random SECRET_KEY" in result.stderr and str(ini) in result.stderr


def test_project_needs_settings(tmp_path: Path) -> None:
    ini = write_ini(tmp_path, "[app:main]\nuse = egg:djwsgi#project\n")
    script = (
        "import sys\nfrom paste.deploy import loadapp\nimport djwsgi\n"
        "try:\n    loadapp('config:' + sys.argv[1])\n"
        "except djwsgi.ConfigurationError as exc:\n    print(exc)\n"
    )
    result = run_without_settings(script, str(ini))
    assert f"egg:djwsgi#project in {ini}: no settings" in result.stdout, result.stderr


def test_filter_remote_user_and_csrf_exempt_options(tmp_path: Path) -> None:
    ini = write_ini(
        tmp_path,
        """
        [pipeline:main]
        pipeline = f app

        [filter:f]
        use = egg:djwsgi#django
        settings = tests.settings
        remote_user = false
        csrf_exempt = false

        [app:app]
        use = call:tests.apps.paste_apps:flask_factory
        """,
    )
    app = TestApp(validator(loadapp(f"config:{ini}")), extra_environ={"REMOTE_USER": "srv"})
    assert app.get("/").text == "Hello, srv! at /"  # the server's REMOTE_USER, untouched
    assert app.post("/", status=403).status_int == 403  # Django's CSRF check stays in front
