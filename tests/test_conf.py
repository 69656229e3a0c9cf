"""djwsgi.conf: settings chosen lazily and checked loudly (DESIGN §2, "Settings").

Each settings case runs in a fresh interpreter without ``DJANGO_SETTINGS_MODULE``: Django
has one settings object per process, and this one's is the test suite's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from djwsgi import ConfigurationError
from djwsgi.conf import import_target, locate_target
from tests.servers import REPO

# Run first in every subprocess: a view, one validated request, and a way to report.
PRELUDE = """
import io, json, os, sys, warnings
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

warnings.simplefilter("always")
caught = warnings.catch_warnings(record=True)
recorded = caught.__enter__()

def view(request):
    from django.conf import settings
    from django.http import HttpResponse
    return HttpResponse(f"DEBUG={settings.DEBUG} at {request.path}")

def host_view(request):
    from django.http import HttpResponse
    return HttpResponse(request.get_host())  # validates the host against ALLOWED_HOSTS

def request(app, path="/", host="127.0.0.1"):
    environ = {"PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "", "HTTP_HOST": host,
               "wsgi.input": io.BytesIO()}
    setup_testing_defaults(environ)
    started = []
    body = validator(app)(environ, lambda status, headers, exc_info=None: started.append(status))
    try:
        return started[0], b"".join(body).decode()
    finally:
        body.close()

def error(build):
    from djwsgi import ConfigurationError
    try:
        build()
    except ConfigurationError as exc:
        return str(exc)
    return None

def report(**values):
    values["warnings"] = [  # WebOb's import of cgi on 3.11/3.12 is not ours to report
        f"{w.category.__name__}: {w.message}"
        for w in recorded
        if not issubclass(w.category, DeprecationWarning)
    ]
    print(json.dumps(values))

from django.conf import settings
"""


def run(code: str, **env: str) -> dict[str, Any]:
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    environment["PYTHONPATH"] = str(REPO)
    environment.update(env)
    process = subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(code)],
        timeout=60,
        env=environment,
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert process.returncode == 0, process.stderr
    result: dict[str, Any] = json.loads(process.stdout.strip().splitlines()[-1])
    return result


def test_import_touches_no_settings() -> None:
    result = run(
        """
        import djwsgi
        app = djwsgi.wsgi_application(view)
        urlconf = djwsgi.wsgi_application("tests.handler_urls")
        report(configured=settings.configured, module=os.environ.get("DJANGO_SETTINGS_MODULE"),
               apps_ready=__import__("django.apps").apps.apps.ready)
        """
    )
    assert result == {"configured": False, "module": None, "apps_ready": False, "warnings": []}


def test_minimal_settings_on_first_request() -> None:
    result = run(
        """
        import djwsgi
        app = djwsgi.wsgi_application(view)
        before = settings.configured
        first = request(app, "/some/path")
        report(before=before, first=first, second=request(app), debug=settings.DEBUG,
               key=len(settings.SECRET_KEY), middleware=settings.MIDDLEWARE,
               local=request(djwsgi.wsgi_application(host_view), host="localhost"),
               stranger=request(djwsgi.wsgi_application(host_view), host="example.com")[0],
               installed=settings.INSTALLED_APPS, databases=settings.DATABASES)
        """
    )
    assert result["before"] is False
    assert result["first"] == ["200 OK", "DEBUG=False at /some/path"]
    assert result["second"] == ["200 OK", "DEBUG=False at /"]
    assert result["debug"] is False
    assert result["key"] >= 50
    assert result["middleware"] == result["installed"] == []
    assert result["databases"]["default"]["ENGINE"] == "django.db.backends.dummy"
    # ALLOWED_HOSTS: the loopback names only.
    assert result["local"] == ["200 OK", "localhost"]
    assert result["stranger"].startswith("400")
    [warning] = result["warnings"]
    assert warning.startswith("RuntimeWarning")
    assert "SECRET_KEY" in warning


def test_minimal_settings_key_is_random_per_process() -> None:
    code = """
        import djwsgi
        request(djwsgi.wsgi_application(view))
        report(key=settings.SECRET_KEY)
        """
    assert run(code)["key"] != run(code)["key"]


def test_settings_module_sets_django_settings_module() -> None:
    result = run(
        """
        import djwsgi
        app = djwsgi.wsgi_application("tests.handler_urls", settings="tests.settings")
        module = os.environ.get("DJANGO_SETTINGS_MODULE")
        again = djwsgi.wsgi_application(view, settings="tests.settings")  # same: fine
        report(module=module, response=request(app, "/hello/x"), key=settings.SECRET_KEY)
        """
    )
    assert result["module"] == "tests.settings"
    assert result["response"] == ["200 OK", "class-based at /hello/x"]
    assert result["key"] == "djwsgi-tests-not-secret"
    assert result["warnings"] == []


def test_mapping_configures_settings() -> None:
    result = run(
        """
        import djwsgi
        mapping = {"DEBUG": True, "SECRET_KEY": "from-a-mapping", "ALLOWED_HOSTS": ["*"]}
        app = djwsgi.wsgi_application(view, settings=mapping)
        configured = settings.configured
        same = error(lambda: djwsgi.wsgi_application(view, settings=dict(mapping)))
        other = error(lambda: djwsgi.wsgi_application(view, settings={"DEBUG": False}))
        module = error(lambda: djwsgi.wsgi_application(view, settings="tests.settings"))
        report(configured=configured, response=request(app, host="example.com"),
               key=settings.SECRET_KEY, same=same, other=other, module=module)
        """
    )
    assert result["configured"] is True
    assert result["response"] == ["200 OK", "DEBUG=True at /"]
    assert result["key"] == "from-a-mapping"
    assert result["same"] is None
    assert "djwsgi's settings (configured from a mapping)" in result["other"]
    assert "'tests.settings'" in result["module"]
    assert "configured from a mapping" in result["module"]
    assert result["warnings"] == []


@pytest.mark.parametrize(
    ("first_request", "in_force"),
    [
        pytest.param(False, "tests.settings", id="chosen"),
        pytest.param(True, "tests.settings", id="in use"),
    ],
)
def test_second_settings_module_names_both(first_request: bool, in_force: str) -> None:
    result = run(
        f"""
        import djwsgi
        app = djwsgi.wsgi_application(view, settings="tests.settings")
        if {first_request}:
            request(app)
        report(message=error(lambda: djwsgi.wsgi_application(
            view, settings="django.conf.global_settings")))
        """
    )
    assert "'django.conf.global_settings'" in result["message"]
    assert in_force in result["message"]


def test_settings_module_after_minimal_settings_names_both() -> None:
    result = run(
        """
        import djwsgi
        request(djwsgi.wsgi_application(view))
        report(message=error(lambda: djwsgi.wsgi_application(view, settings="tests.settings")))
        """
    )
    assert "'tests.settings'" in result["message"]
    assert "djwsgi's minimal settings" in result["message"]


def test_missing_settings_module_is_named() -> None:
    result = run(
        """
        import djwsgi
        report(
            package=error(lambda: djwsgi.wsgi_application(view, settings="tests.no_such")),
            top=error(lambda: djwsgi.wsgi_application(view, settings="no_such_pkg.settings")),
            configured=settings.configured,
            module=os.environ.get("DJANGO_SETTINGS_MODULE"),
        )
        """
    )
    assert "'tests.no_such'" in result["package"]
    assert "'no_such_pkg.settings'" in result["top"]
    assert result["configured"] is False
    assert result["module"] is None  # a failed choice leaves nothing behind


def test_missing_module_in_environment_is_named_on_first_request() -> None:
    result = run(
        """
        import djwsgi
        app = djwsgi.wsgi_application(view)
        report(message=error(lambda: request(app)))
        """,
        DJANGO_SETTINGS_MODULE="tests.no_such_settings",
    )
    assert "tests.no_such_settings" in result["message"]


def test_environment_and_argument_in_conflict_names_both() -> None:
    result = run(
        """
        import djwsgi
        report(message=error(lambda: djwsgi.wsgi_application(view, settings="tests.other")),
               module=os.environ["DJANGO_SETTINGS_MODULE"])
        """,
        DJANGO_SETTINGS_MODULE="tests.settings",
    )
    assert "'tests.other'" in result["message"]
    assert "'tests.settings'" in result["message"]
    assert "DJANGO_SETTINGS_MODULE" in result["message"]
    assert result["module"] == "tests.settings"


def test_settings_of_the_wrong_type() -> None:
    from djwsgi import wsgi_application

    with pytest.raises(ConfigurationError, match="settings=42"):
        wsgi_application(lambda request: None, settings=42)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="upper case; got debug"):
        wsgi_application(lambda request: None, settings={"debug": True})


# -- dotted paths (in this process: nothing here touches settings) ------------------------


@pytest.mark.parametrize(
    ("dotted", "message"),
    [
        pytest.param("tests.nope", "'tests.nope': module 'tests.nope' not found", id="module"),
        pytest.param("nope.urls", "'nope.urls': module 'nope.urls' not found", id="package"),
        pytest.param("", "expected a dotted path", id="empty"),
        pytest.param("tests.urls:", "nothing after ':'", id="colon"),
        pytest.param("tests/urls.py", "is not a dotted path", id="file path"),
    ],
)
def test_locate_target_names_the_path(dotted: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(")):
        locate_target(dotted, what="urlconf")


def test_import_target() -> None:
    import tests.handler_urls

    assert import_target("tests.handler_urls") is tests.handler_urls
    assert import_target("tests.handler_urls:Hello.get") is tests.handler_urls.Hello.get
    with pytest.raises(ConfigurationError, match="'Hello' has no attribute 'post'"):
        import_target("tests.handler_urls:Hello.post", what="view")
    with pytest.raises(ConfigurationError, match="^view 'tests.handler_urls:nope'"):
        import_target("tests.handler_urls:nope", what="view")
