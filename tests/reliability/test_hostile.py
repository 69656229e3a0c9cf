"""Hostile input: forged identity and routing headers, path tricks sent as raw bytes to a
live waitress (so no client normalises them), broken percent-encoding, header injection
through a foreign app, cookie attributes, and a login-required mount.

Counts of what was tried are kept in ``TRIED`` and printed by ``test_hostile_summary``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote_to_bytes

import pytest
from django.contrib.auth.models import User
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import djwsgi
from tests.servers import LiveServer

from . import server_app
from .live import get, gunicorn_argv, running, waitress_argv
from .wsgi import serve

FORGED = [
    ("Remote-User", "admin"),
    ("X-Remote-User", "admin"),
    ("X-Forwarded-User", "admin"),
    ("X-Forwarded-Prefix", "/private"),
    ("X-Forwarded-Path", "/private/"),
    ("X-Forwarded-Host", "evil.example"),
    ("X-Forwarded-For", "10.0.0.1"),
    ("Script-Name", "/private"),
    ("X-Script-Name", "/private"),
    ("X-Original-URL", "/private/"),
    ("X-Rewrite-URL", "/private/"),
]


@pytest.fixture(scope="module")
def waitress(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running(waitress_argv(threads=4), tmp_path_factory.mktemp("waitress")) as live:
        yield live


def _echo(body: bytes) -> dict[str, Any]:
    seen: dict[str, Any] = json.loads(body)
    assert seen["app"] == "echo"
    return seen


# --- identity and routing headers ------------------------------------------------------


def test_forged_headers_change_nothing_in_process() -> None:
    served = serve(
        server_app.application,
        "/echo/a",
        headers=FORGED,
        extra={"REMOTE_USER": "left-by-an-outer-layer"},
    )
    seen = _echo(served.body)
    assert seen["REMOTE_USER"] is None  # anonymous: removed, never taken from a header
    assert (seen["SCRIPT_NAME"], seen["PATH_INFO"]) == ("/echo", "/a")
    assert seen["headers"]["HTTP_REMOTE_USER"] == "admin"  # a header, and only that


@pytest.mark.live
@pytest.mark.parametrize("header", [h for h, _ in FORGED] + ["Remote_User", "Script_Name"])
def test_forged_header_over_the_wire_waitress(waitress: LiveServer, header: str) -> None:
    status, _, body = get(waitress, "/echo/a", f"{header}: /private")
    seen = _echo(body)
    assert status == 200
    assert seen["REMOTE_USER"] is None
    assert (seen["SCRIPT_NAME"], seen["PATH_INFO"]) == ("/echo", "/a")
    status, _, body = get(waitress, "/private/", f"{header}: admin")
    assert status == 302 and b"SECRET" not in body


@pytest.mark.live
def test_forged_headers_over_the_wire_gunicorn_untrusted_client(tmp_path: Path) -> None:
    # gunicorn trusts SCRIPT_NAME/X-Forwarded-* from --forwarded-allow-ips (127.0.0.1 by
    # default): that is proxy configuration. From a client it does not trust, nothing.
    argv = [*gunicorn_argv(), "--forwarded-allow-ips=192.0.2.1"]
    with running(argv, tmp_path) as server:
        headers = [f"{h}: /private" for h, _ in FORGED] + ["Script_Name: /private"]
        status, _, body = get(server, "/echo/a", *headers)
        seen = _echo(body)
        assert seen["REMOTE_USER"] is None
        assert (seen["SCRIPT_NAME"], seen["PATH_INFO"]) == ("/echo", "/a")
        status, _, body = get(server, "/private/", "Remote-User: admin", "Script_Name: /echo")
        assert status == 302 and b"SECRET" not in body


@pytest.mark.usefixtures("django_db")
def test_logged_in_user_is_remote_user_whatever_the_headers() -> None:
    user, _ = User.objects.get_or_create(username="reliability-alice")
    client = Client()
    client.force_login(user)
    cookie = ("Cookie", f"sessionid={client.cookies['sessionid'].value}")
    seen = _echo(serve(server_app.application, "/echo/", headers=[cookie, *FORGED]).body)
    assert seen["REMOTE_USER"] == "reliability-alice"
    private = serve(server_app.application, "/private/x", headers=[cookie, ("Remote-User", "bob")])
    assert (private.code, private.body) == (200, b"SECRET-PRIVATE for reliability-alice")
    anonymous = serve(server_app.application, "/private/x", headers=[("Remote-User", "alice")])
    assert anonymous.code == 302 and b"SECRET" not in anonymous.body


# --- path tricks against a login-required mount ------------------------------------------

PRIVATE_TRICKS = [
    "/private",
    "/private/",
    "/private/x",
    "/PRIVATE/",
    "/Private/x",
    "//private/",
    "/./private/",
    "/echo/../private/",
    "/echo/%2e%2e/private/",
    "/echo/%2E%2E%2Fprivate/",
    "/echo%2F..%2Fprivate/",
    "/echo/..%2f..%2fprivate/",
    "/private%2F",
    "/private%2f..%2f",
    "/%70rivate/",
    "/priv%61te/x",
    "/private;/",
    "/private/..;/",
    "/private%00/",
    "/private%09/",
    "/private\\x",
    "/private/%2e%2e/",
    "/echo/%c0%ae%c0%ae/private/",
    "http://127.0.0.1/private/",
    "http://evil.example/private/",
    "*",
]
METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "TRACE"]


@pytest.mark.live
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("target", PRIVATE_TRICKS)
def test_login_required_mount_cannot_be_bypassed(
    waitress: LiveServer, target: str, method: str
) -> None:
    extra = ["Content-Length: 0"] if method in ("POST", "PUT") else []
    status, headers, body = get(waitress, target, *extra, method=method)
    assert b"SECRET" not in body
    assert status in (200, 302, 400, 404, 405), (status, body[:200])
    if status == 302:
        assert headers["Location"].startswith("/accounts/login/?next=")
    if status == 200:  # only ever the echo mount the path names, as JSON (HEAD: no body)
        assert target.startswith("/echo"), (target, body[:200])
        assert headers["Content-Type"] == "application/json"


@pytest.mark.live
@pytest.mark.parametrize(
    ("target", "app", "path_info"),
    [
        ("/flask/../private/", "flask", None),
        ("/echo/../flask/", "echo", "/../flask/"),
        ("/echo/%2e%2e/flask/", "echo", "/../flask/"),
        ("/echo%2F..%2Fflask/", "echo", "/../flask/"),
        ("/echoflask/", None, None),
    ],
)
def test_traversal_stays_in_the_mount_it_names(
    waitress: LiveServer, target: str, app: str | None, path_info: str | None
) -> None:
    status, _, body = get(waitress, target)
    assert b"SECRET" not in body
    if app is None:
        assert status == 404
    elif app == "echo":
        seen = _echo(body)
        assert (seen["SCRIPT_NAME"], seen["PATH_INFO"]) == ("/echo", path_info)
    else:
        assert status == 404 and b"Not Found" in body  # Flask's own 404 for /../private/


# --- broken percent-encoding -------------------------------------------------------------

BROKEN_ENCODING = [
    ("/echo/%", 200),
    ("/echo/%zz", 200),
    ("/echo/%c0%af", 200),
    ("/echo/%ff%fe%fd", 200),
    ("/echo/%e2%82", 200),
    ("/echo/%ed%a0%80", 200),  # a UTF-16 surrogate in UTF-8
    ("/echo/%u0041", 200),
    ("/echo/%%32%65", 200),
    ("/echo/" + "%41" * 3000, 200),
    ("/echo/" + "%c0%af" * 1000, 200),
    ("/echo/?q=%", 200),
    ("/echo/?q=%zz&r=%ff%fe&%=%", 200),
    ("/echo/?" + "a=%ff&" * 500, 200),
    ("/%", 404),
    ("/%zz", 404),
    ("/%c0", 404),
    ("/%ff/", 404),
    ("/flask/%ff", 404),
    ("/one/who/%c0%af", 404),
    ("/private/%ff", 302),
]


@pytest.mark.live
@pytest.mark.parametrize(("target", "expected"), BROKEN_ENCODING)
def test_broken_percent_encoding_is_never_a_500(
    waitress: LiveServer, target: str, expected: int
) -> None:
    status, _, body = get(waitress, target)
    assert status == expected, (status, body[:300])
    assert b"Traceback" not in body and b"Server Error" not in body
    if target.startswith("/echo"):
        seen = _echo(body)
        assert seen["SCRIPT_NAME"] == "/echo"
        assert seen["PATH_INFO"].startswith("/")


def test_invalid_utf8_path_reaches_the_same_app_with_the_same_bytes() -> None:
    # Django re-percent-encodes bytes that are not UTF-8 (its request.path_info), so the
    # app gets "/%C0%AF%FF" where the server gave "/\xc0\xaf\xff": the same bytes, once
    # unquoted, in the mount the path names, and never a 500.
    served = serve(server_app.application, "/echo/\xc0\xaf\xff")
    seen = _echo(served.body)
    assert seen["SCRIPT_NAME"] == "/echo"
    assert unquote_to_bytes(seen["PATH_INFO"].encode("latin-1")) == b"/\xc0\xaf\xff"


# --- header injection through a foreign app; cookies ---------------------------------------

INJECTIONS = [
    "/reflect/?h=a%0d%0aSet-Cookie:%20evil=1",
    "/reflect/?h=a%0aX-Evil:%201",
    "/reflect/?h=a%0dX-Evil:%201",
    "/reflect/?h=%0d%0a%0d%0a<script>evil</script>",
    "/reflect/?h=a%00X-Evil",
    "/flask/go?next=/x%0d%0aSet-Cookie:%20evil=1",
    "/flask/go?next=/x%0aX-Evil:%201",
]


@pytest.mark.live
@pytest.mark.parametrize("target", INJECTIONS)
def test_header_injection_by_a_foreign_app_is_refused(waitress: LiveServer, target: str) -> None:
    status, headers, body = get(waitress, target)
    assert headers.get("X-Evil") is None
    assert not any("evil" in c for c in headers.get_all("Set-Cookie") or [])
    assert b"<script>" not in body and b"Traceback" not in body
    if target.startswith("/reflect/"):
        assert status == 500 and headers.get("X-Reflected") is None


@pytest.mark.live
def test_foreign_cookies_keep_their_attributes(waitress: LiveServer) -> None:
    direct = serve(server_app.flask_app, "/cookies", script_name="/flask")
    expected = direct.header("Set-Cookie")
    assert len(expected) == 4 and "HttpOnly" in expected[0] and "SameSite=Strict" in expected[0]
    status, headers, _ = get(waitress, "/flask/cookies")
    assert status == 200
    assert headers.get_all("Set-Cookie") == expected
    # In process, through the validator, the same.
    assert serve(server_app.application, "/flask/cookies").header("Set-Cookie") == expected


# --- random request lines and headers at a live server -------------------------------------

_MOUNTS = ["", "echo/", "one/who/", "two/", "flask/", "private/", "reflect/", "stats"]
_header_name = st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=12).filter(
    lambda n: n.strip("-") and n.lower() not in ("host", "content-length", "transfer-encoding")
)
_header_value = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"),
    max_size=30,
).map(str.strip)


@pytest.mark.live
@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    mount=st.sampled_from(_MOUNTS),
    path=st.binary(max_size=24),
    query=st.one_of(st.none(), st.binary(max_size=24)),
    method=st.sampled_from(["GET", "HEAD", "OPTIONS", "DELETE", "TRACE"]),
    headers=st.lists(st.tuples(_header_name, _header_value), max_size=4),
)
def test_random_requests_are_never_a_server_error(
    waitress: LiveServer,
    mount: str,
    path: bytes,
    query: bytes | None,
    method: str,
    headers: list[tuple[str, str]],
) -> None:
    target = "/" + mount + quote(path, safe="/;=,%")
    if query is not None:
        target += "?" + quote(query, safe="&=%/")
    lines = [f"{name}: {value}" for name, value in headers]
    status, _, body = get(waitress, target, *lines, method=method)
    assert status < 500 or mount == "reflect/", (target, lines, status, body[:300])
    assert b"Traceback" not in body and b"SECRET" not in body


def test_foreign_cookies_keep_their_attributes_when_django_middleware_hardens_them() -> None:
    # A middleware that marks every cookie Secure must add Secure, not drop the app's
    # HttpOnly, SameSite, Path, Expires and Max-Age.
    site = djwsgi.wsgi_application(
        [djwsgi.mount("flask", server_app.flask_app)],
        middleware=["tests.reliability.faulty.SecureCookiesMiddleware"],
    )
    direct = serve(server_app.flask_app, "/cookies", script_name="/flask").header("Set-Cookie")
    bridged = serve(site, "/flask/cookies").header("Set-Cookie")
    assert len(bridged) == len(direct) == 4
    for sent, got in zip(direct, bridged, strict=True):
        want = {a.strip().lower() for a in sent.split(";")} | {"secure"}
        assert {a.strip().lower() for a in got.split(";")} == want, (sent, got)


# --- the same tricks against egg:djwsgi#django with login_required = true -----------------

# "*" (OPTIONS * HTTP/1.1) is left out: Paste's URLMap itself asserts that PATH_INFO starts
# with "/" and the server answers 500, before any djwsgi code runs.
GUARDED_TRICKS = [t.replace("private", "guarded") for t in PRIVATE_TRICKS if t != "*"] + [
    "/guarded/%2e%2e/echo/",
    "/echo/..%2fguarded/",
]


@pytest.fixture(scope="module")
def paste_waitress(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    argv = waitress_argv("tests.reliability.paste_app:application")
    with LiveServer(
        argv, tmp_path_factory.mktemp("paste"), ready_path="/echo/", timeout=60
    ) as live:
        yield live


@pytest.mark.live
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("target", GUARDED_TRICKS)
def test_paste_login_required_filter_cannot_be_bypassed(
    paste_waitress: LiveServer, target: str, method: str
) -> None:
    extra = ["Content-Length: 0"] if method in ("POST", "PUT") else []
    forged = ["Remote-User: admin", "X-Forwarded-User: admin"]
    status, headers, body = get(paste_waitress, target, *extra, *forged, method=method)
    assert b"SECRET" not in body
    assert status in (200, 302, 400, 404, 405), (status, body[:200])
    if status == 302:
        assert headers["Location"].startswith("/accounts/login/?next=")
    if status == 200:  # only the open echo app, as JSON (HEAD: no body)
        assert target.startswith("/echo"), (target, body[:200])
        assert headers["Content-Type"] == "application/json"


@pytest.mark.usefixtures("django_db")
def test_paste_login_required_filter_lets_the_user_in_as_remote_user() -> None:
    from .paste_app import application

    user, _ = User.objects.get_or_create(username="reliability-carol")
    client = Client()
    client.force_login(user)
    cookie = ("Cookie", f"sessionid={client.cookies['sessionid'].value}")
    served = serve(application, "/guarded/x", headers=[cookie, ("Remote-User", "mallory")])
    assert (served.code, served.body) == (200, b"SECRET-PRIVATE for reliability-carol")
    for method in METHODS:
        anonymous = serve(application, "/guarded/x", method=method)
        assert anonymous.code == 302 and b"SECRET" not in anonymous.body, method
