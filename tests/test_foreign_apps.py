"""Real foreign WSGI apps (Flask, Pyramid, Werkzeug, Mercurial's hgweb) mounted in a Django
site with :func:`djwsgi.mount`, driven through :func:`djwsgi.wsgi_application` with WebTest
(hgweb: served by a live waitress and cloned through with the real ``hg`` client).

Both the foreign app and the Django application around it are wrapped in
:func:`wsgiref.validate.validator`, so every request below is also a PEP 3333 check of
each side of the bridge.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from wsgiref.validate import validator

import pytest
from django.contrib.auth import authenticate, login
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, reverse
from django.views.decorators.csrf import csrf_exempt
from webtest import TestApp

import djwsgi
from tests.apps import flask_app
from tests.servers import BIN, LiveServer

DEFAULT_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]


@csrf_exempt
def login_view(request: HttpRequest) -> HttpResponse:
    user = authenticate(
        request, username=request.POST["username"], password=request.POST["password"]
    )
    if user is None:
        return HttpResponse("bad credentials", status=403, content_type="text/plain")
    login(request, user)
    return HttpResponse("logged in", content_type="text/plain")


def flask_patterns() -> list[Any]:
    app = validator(flask_app.app)
    return [
        path("login/", login_view),
        djwsgi.mount("flask/", app, name="flask"),
        djwsgi.mount("strict", app, csrf_exempt=False),
        djwsgi.mount("passthrough/", app, remote_user=False),
    ]


def site(middleware: list[str] | None = None, **extra_environ: str) -> TestApp:
    application = djwsgi.wsgi_application(
        flask_patterns(), middleware=DEFAULT_MIDDLEWARE if middleware is None else middleware
    )
    return TestApp(validator(application), extra_environ=extra_environ)


@pytest.fixture
def alice(django_db: None) -> str:
    from django.contrib.auth.models import User

    name = "zoë"  # not ASCII: REMOTE_USER must be in PEP 3333 form
    User.objects.filter(username=name).delete()
    User.objects.create_user(name, password="secret")
    return name


# --- paths and URLs ------------------------------------------------------------------------


@pytest.mark.parametrize("script_name", ["", "/site"])
def test_flask_url_for_and_script_root_carry_the_mount_prefix(script_name: str) -> None:
    data = site(SCRIPT_NAME=script_name).get("/flask/").json
    assert data["script_root"] == f"{script_name}/flask"
    assert data["path"] == "/"
    assert data["url"] == f"{script_name}/flask/page/x"
    assert data["external"] == f"http://localhost{script_name}/flask/page/x"


def test_flask_sees_the_decoded_path_under_the_mount() -> None:
    data = site().get("/flask/path/caf%C3%A9").json
    assert data == {"path": "/path/café", "rest": "café", "script_root": "/flask"}


def test_flask_mount_without_trailing_slash_and_prefix_boundary() -> None:
    app = site()
    assert app.get("/strict/page/z").text == "page z"
    assert app.get("/flask/page/z").text == "page z"
    app.get("/flaskfoo/page/z", status=404)
    app.get("/strictly/page/z", status=404)


def test_reverse_names_a_url_inside_the_mounted_app() -> None:
    def where(request: HttpRequest) -> HttpResponse:
        url = reverse("flask", kwargs={"path_info": "/page/q"})
        return HttpResponse(url, content_type="text/plain")

    application = djwsgi.wsgi_application([*flask_patterns(), path("where/", where)])
    app = TestApp(validator(application), extra_environ={"SCRIPT_NAME": "/site"})
    url = app.get("/where/").text
    assert url == "/site/flask/page/q"
    assert app.get(url.removeprefix("/site")).text == "page q"


# --- request bodies ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "middleware",
    [
        pytest.param([], id="nobody read the body"),
        pytest.param(["tests.bridge_middleware.ReadBody"], id="request.body read"),
        pytest.param(["tests.bridge_middleware.ReadPost"], id="request.POST read"),
    ],
)
def test_form_post_reaches_flask_whole(middleware: list[str]) -> None:
    app = site(middleware=[*DEFAULT_MIDDLEWARE, *middleware])
    fields = {"name": "Zoë", "text": "x" * 10_000}
    data = app.post("/flask/echo", fields).json
    assert data["form"] == {"name": ["Zoë"], "text": ["x" * 10_000]}
    assert data["length"] == data["content_length"] > 10_000


def test_multipart_post_read_by_django_is_an_error_for_flask_not_an_empty_body() -> None:
    app = site(middleware=[*DEFAULT_MIDDLEWARE, "tests.bridge_middleware.ReadFiles"])
    res = app.post("/flask/echo", {"a": "b"}, upload_files=[("f", "f.txt", b"content")], status=500)
    assert "consumed by Django" in res.text


def test_multipart_post_reaches_flask_when_django_left_it_alone() -> None:
    app = site()
    data = app.post("/flask/echo", {"a": "b"}, upload_files=[("f", "f.txt", b"content")]).json
    assert data["form"] == {"a": ["b"]}
    assert data["files"] == {"f": "content"}


# --- responses -----------------------------------------------------------------------------


def test_cookies_reach_the_client_verbatim() -> None:
    alone = TestApp(flask_app.app).get("/cookies").headers.getall("Set-Cookie")
    assert len(alone) == 2
    assert any("HttpOnly" in c and "Secure" in c and "SameSite=Strict" in c for c in alone)
    assert any("Expires=" in c and "Path=/;" in c for c in alone)
    bridged = site().get("/flask/cookies").headers.getall("Set-Cookie")
    assert bridged == alone


def test_custom_reason_phrase_reaches_the_client() -> None:
    res = site().get("/flask/created", status=201)
    assert res.status == "201 Created Here"
    assert res.text == "made"


def test_relative_location_stays_relative() -> None:
    res = site().get("/flask/redirect", status=302)
    assert res.headers["Location"] == "../page/y"


def test_repeated_headers_are_joined_in_order() -> None:
    res = site().get("/flask/repeated")
    assert res.headers.getall("X-Multi") == ["a, b"]
    assert res.headers.getall("Cache-Control") == ["no-cache, no-store"]


def test_204_stays_empty_without_an_invented_content_type() -> None:
    res = site().get("/flask/nothing", status=204)
    assert res.body == b""
    assert "Content-Type" not in res.headers


def test_304_stays_empty() -> None:
    res = site().get("/flask/etag", headers={"If-None-Match": '"v1"'}, status=304)
    assert res.body == b""
    assert "Content-Type" not in res.headers


def test_head_gets_headers_and_no_body() -> None:
    app = site()
    get = app.get("/flask/page/h")
    head = app.head("/flask/page/h")
    assert head.body == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["Content-Length"] == get.headers["Content-Length"] == "6"


def test_streaming_flask_response_is_passed_through() -> None:
    assert site().get("/flask/stream").text == "chunk 0\nchunk 1\nchunk 2\n"


# --- identity and environ ------------------------------------------------------------------


def test_client_remote_user_header_never_becomes_remote_user() -> None:
    data = site().get("/flask/environ", headers={"Remote-User": "admin"}).json
    assert data["remote_user"] is None
    assert data["http_remote_user"] == "admin"


def test_anonymous_user_has_no_remote_user_even_if_the_server_set_one() -> None:
    data = site(REMOTE_USER="mallory").get("/flask/environ").json
    assert data["remote_user"] is None


def test_remote_user_false_passes_the_servers_value() -> None:
    data = site(REMOTE_USER="mallory").get("/passthrough/environ").json
    assert data["remote_user"] == "mallory"


def test_django_login_becomes_flask_remote_user(alice: str) -> None:
    app = site(REMOTE_USER="mallory")
    app.post("/login/", {"username": alice, "password": "secret"})
    data = app.get("/flask/environ", headers={"Remote-User": "admin"}).json
    assert data["remote_user"] == alice.encode().decode("latin-1")  # PEP 3333 form
    assert data["http_remote_user"] == "admin"
    app.reset()  # logged out: the server's value does not leak either
    assert app.get("/flask/environ").json["remote_user"] is None


def test_remote_user_without_auth_middleware_is_removed() -> None:
    app = site(middleware=[], REMOTE_USER="mallory")
    assert app.get("/flask/environ").json["remote_user"] is None


def test_csrf_exempt_false_keeps_djangos_csrf_check() -> None:
    app = site()
    app.post("/strict/echo", {"a": "b"}, status=403)
    assert app.post("/flask/echo", {"a": "b"}).json["form"] == {"a": ["b"]}
    assert app.get("/strict/environ").json["path_info"] == "/environ"  # safe methods pass
    token = _csrf_token(app)
    data = app.post("/strict/echo", {"a": "b", "csrfmiddlewaretoken": token}).json
    assert data["form"]["a"] == ["b"]


def _csrf_token(app: TestApp) -> str:
    """A CSRF token from a Django view (setting the cookie on *app*)."""
    from django.middleware.csrf import get_token

    def token(request: HttpRequest) -> HttpResponse:
        return HttpResponse(get_token(request), content_type="text/plain")

    application = djwsgi.wsgi_application(
        [path("token/", token), *flask_patterns()], middleware=DEFAULT_MIDDLEWARE
    )
    other = TestApp(validator(application), cookiejar=app.cookiejar)
    return other.get("/token/").text


def test_routing_args_and_the_django_request_reach_the_app() -> None:
    application = djwsgi.wsgi_application(
        [path("u/<int:uid>/", include([djwsgi.mount("f", validator(flask_app.app))]))],
        middleware=DEFAULT_MIDDLEWARE,
    )
    app = TestApp(validator(application))
    data = app.get("/u/7/f/environ").json
    assert data["routing_args"] == [[], {"uid": 7}]
    assert data["djwsgi_request"] == "WSGIRequest"
    assert data["script_name"] == "/u/7/f"
    assert data["path_info"] == "/environ"


def test_inherited_routing_args_and_webob_keys_are_dropped() -> None:
    app = site(
        **{  # type: ignore[arg-type]
            "wsgiorg.routing_args": (("stale",), {"x": 1}),
            "webob.adhoc_attrs": {"stale": True},
            "webob._parsed_query_vars": ({}, ""),
        }
    )
    data = app.get("/flask/environ").json
    assert data["routing_args"] == [[], {}]
    assert data["webob_keys"] == []


def test_djangos_csrf_entries_are_not_passed_and_upper_keys_are_str() -> None:
    app = site()
    _csrf_token(app)  # the client now sends a csrftoken cookie: Django sets META["CSRF_COOKIE"]
    assert "csrftoken" in app.cookies
    data = app.post("/flask/environ").json
    assert data["csrf_keys"] == []
    assert data["non_str_upper"] == []


def test_meta_is_never_mutated() -> None:
    app = site(
        middleware=[*DEFAULT_MIDDLEWARE, "tests.bridge_middleware.MetaUnchanged"],
        REMOTE_USER="mallory",
        SCRIPT_NAME="/site",
    )
    assert app.get("/flask/path/caf%C3%A9").headers["X-Meta-Unchanged"] == "yes"
    res = app.post("/flask/echo", {"a": "b"})
    assert res.headers["X-Meta-Unchanged"] == "yes"


def test_header_injection_from_the_app_is_refused() -> None:
    # Werkzeug refuses CR/LF in its own headers, so the injection comes from a WSGI
    # middleware around the Flask app, as it would in a real pipeline.
    inner = validator(flask_app.app)

    def injecting(environ: dict[str, Any], start_response: Any) -> Any:
        def inject(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, ("X-Evil", "a\r\nSet-Cookie: x=1")])

        return inner(environ, inject)

    application = djwsgi.wsgi_application([djwsgi.mount("evil", injecting)], middleware=[])
    res = TestApp(validator(application)).get("/evil/page/x", status=500)
    assert "X-Evil" not in res.headers
    assert "Set-Cookie" not in res.headers
    assert b"page x" not in res.body


urlpatterns = flask_patterns()  # ROOT_URLCONF of the plain-Django test below


def test_mount_in_a_plain_django_project_served_by_wsgihandler() -> None:
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import override_settings

    with override_settings(ROOT_URLCONF=__name__):
        app = TestApp(validator(WSGIHandler()), extra_environ={"SCRIPT_NAME": "/site"})
        data = app.get("/flask/path/caf%C3%A9").json
        assert data == {"path": "/path/café", "rest": "café", "script_root": "/site/flask"}
        assert app.get("/flask/").json["url"] == "/site/flask/page/x"
        assert app.get("/flask/created", status=201).status == "201 Created Here"


# --- Pyramid and Werkzeug, mounted the same way ------------------------------------------------


@pytest.mark.parametrize("script_name", ["", "/site"])
def test_pyramid_route_url_is_under_the_mount(script_name: str) -> None:
    from tests.apps import pyramid_app

    application = djwsgi.wsgi_application(
        [djwsgi.mount("pyr/", validator(pyramid_app.app))], middleware=DEFAULT_MIDDLEWARE
    )
    app = TestApp(validator(application), extra_environ={"SCRIPT_NAME": script_name})
    data = app.get("/pyr/").json
    assert data == {
        "route_url": f"http://localhost{script_name}/pyr/page/x",
        "route_path": f"{script_name}/pyr/page/x",
        "script_name": f"{script_name}/pyr",
        "path_info": "/",
        "remote_user": None,
    }
    assert app.get("/pyr/page/y").text == "pyramid page y"
    app.get("/pyrx/page/y", status=404)


@pytest.mark.parametrize("script_name", ["", "/site"])
def test_werkzeug_url_for_and_script_root_are_under_the_mount(script_name: str) -> None:
    from tests.apps import werkzeug_app

    application = djwsgi.wsgi_application(
        [djwsgi.mount("wz", validator(werkzeug_app.app))], middleware=DEFAULT_MIDDLEWARE
    )
    app = TestApp(validator(application), extra_environ={"SCRIPT_NAME": script_name})
    data = app.get("/wz/").json
    assert data == {
        "url_for": f"{script_name}/wz/page/x",
        "external": f"http://localhost{script_name}/wz/page/x",
        "script_root": f"{script_name}/wz",
        "path": "/",
    }
    assert app.get("/wz/page/caf%C3%A9").text == "werkzeug page café"


# --- Mercurial's hgweb, cloned through Django by the real hg client -----------------------------

HG = str(BIN / "hg")


def hg(*args: str, cwd: Path) -> str:
    env = {**os.environ, "HGUSER": "Zoë Tester <zoe@example.org>", "HGPLAIN": "1", "HGRCPATH": ""}
    done = subprocess.run(
        [HG, *args], cwd=cwd, env=env, capture_output=True, timeout=120, check=True
    )
    return done.stdout.decode()


@pytest.mark.live
@pytest.mark.slow
def test_hg_clone_through_django(tmp_path: Path, live_server: Callable[..., LiveServer]) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    hg("init", cwd=repo)
    (repo / "hello.txt").write_text("hello from hg\n")
    hg("add", "hello.txt", cwd=repo)
    hg("commit", "-m", "first commit through djwsgi", cwd=repo)
    node = hg("log", "-r", "tip", "-T", "{node}", cwd=repo)

    server = live_server(
        [
            sys.executable,
            "-m",
            "waitress",
            "--listen=127.0.0.1:{port}",
            "tests.apps.hgweb_app:application",
        ],
        env={"DJWSGI_HG_REPO": str(repo), "DJANGO_SETTINGS_MODULE": "tests.settings"},
        ready_path="/hg/",
    )
    dest = tmp_path / "clone"
    hg("clone", f"{server.url}/hg/", str(dest), cwd=tmp_path)
    assert hg("log", "-r", "tip", "-T", "{node} {desc}", cwd=dest) == (
        f"{node} first commit through djwsgi"
    )
    assert (dest / "hello.txt").read_text() == "hello from hg\n"
    assert "Traceback" not in server.log()
