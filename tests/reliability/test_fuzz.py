"""Property: a plain WSGI app answers the same whether called directly or through
``wsgi_application([mount(prefix, app)])`` (also nested twice; with no middleware and with
the project's MIDDLEWARE): same status, same headers
(as Django holds them: repeated names joined, Set-Cookie verbatim and last), same body
bytes, never a server error the app would not give. Everything runs under the validator.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import djwsgi

from .wsgi import Served, serve

STATUSES = [
    "200 OK",
    "201 Created Here",
    "204 No Content",
    "304 Not Modified",
    "404 Nope",
    "418 I'm a teapot",
    "500 App Says No",
    "302 Found",
]


def plain_app(environ: dict[str, Any], start_response: Any) -> Any:
    """Answers with what it was given; the request picks status, streaming and cookies."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    fuzz = sorted((k, v) for k, v in environ.items() if k.startswith("HTTP_X_FUZZ"))
    status = STATUSES[int(environ.get("HTTP_X_STATUS", "0"))]
    payload = json.dumps(
        {
            "method": environ["REQUEST_METHOD"],
            "script_name": environ["SCRIPT_NAME"],
            "path_info": environ["PATH_INFO"],
            "query": environ.get("QUERY_STRING", ""),
            "content_type": environ.get("CONTENT_TYPE", ""),
            "headers": fuzz,
            "body": body.hex(),
            "remote_user": environ.get("REMOTE_USER"),
        }
    ).encode()
    headers = [("Content-Type", "application/json")]
    if status[:3] in ("204", "304"):
        payload, headers = b"", []
    headers += [("X-Echo-" + k[12:].replace("_", "-"), v) for k, v in fuzz]
    headers += [
        ("Set-Cookie", f"c{i}={v}; Path=/; HttpOnly; SameSite=Lax")
        for i, v in enumerate(environ.get("HTTP_X_COOKIES", "").split())
    ]
    if environ.get("HTTP_X_STREAM"):
        start_response(status, headers)
        step = max(1, int(environ["HTTP_X_STREAM"]))

        def chunks() -> Iterator[bytes]:
            for i in range(0, len(payload), step):
                yield payload[i : i + step]

        return chunks()
    if payload:  # never on a 204 or 304 (RFC 9110)
        headers.append(("Content-Length", str(len(payload))))
    start_response(status, headers)
    return [payload]


segment = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="/"), min_size=1, max_size=8
)
segments = st.lists(segment, min_size=0, max_size=3)
token = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=6)
header_value = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"),
    max_size=20,
).map(str.strip)
query = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=30)


def wsgi(text: str) -> str:
    return text.encode("utf-8").decode("latin-1")


def _normalise(served: Served, head: bool) -> tuple[Any, ...]:
    """The bare app's answer as Django gives it back: repeated names joined with ", ",
    Set-Cookie in order and last; HEAD without a body."""
    joined: dict[str, tuple[str, str]] = {}
    cookies = []
    for name, value in served.headers:
        if name.lower() == "set-cookie":
            cookies.append(value)
        elif name.lower() in joined:
            first, seen = joined[name.lower()]
            joined[name.lower()] = (first, f"{seen}, {value}")
        else:
            joined[name.lower()] = (name, value)
    return (
        served.status,
        sorted(joined.values()),
        cookies,
        b"" if head else served.body,
        served.error,
    )


# Headers the project's MIDDLEWARE adds to every response (SecurityMiddleware; Vary:
# Cookie from the session that REMOTE_USER reads), left out when comparing.
_ADDED_BY_MIDDLEWARE = {
    "x-content-type-options",
    "referrer-policy",
    "cross-origin-opener-policy",
    "vary",
}


def _bridged(served: Served, middleware: bool) -> tuple[Any, ...]:
    cookies = [v for k, v in served.headers if k.lower() == "set-cookie"]
    rest = sorted(
        (k, v)
        for k, v in served.headers
        if k.lower() != "set-cookie"
        and not (middleware and k.lower() in _ADDED_BY_MIDDLEWARE)
        # CommonMiddleware gives a 204/304 "Content-Length: 0", as to any Django response.
        and not (middleware and served.status[:3] in ("204", "304") and k == "Content-Length")
    )
    return served.status, rest, cookies, served.body, served.error


@pytest.mark.slow
@pytest.mark.parametrize("chain", [[], None], ids=["no middleware", "project MIDDLEWARE"])
@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    outer=segments,
    prefix=st.lists(segment, min_size=0, max_size=2),
    inner_prefix=st.one_of(st.none(), st.lists(segment, min_size=1, max_size=2)),
    rest=st.one_of(st.just(None), segments, segments.map(lambda s: [*s, ""])),
    query=query,
    method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]),
    fuzz_headers=st.dictionaries(token, header_value, max_size=4),
    cookies=st.lists(token, max_size=3),
    status=st.integers(0, len(STATUSES) - 1),
    stream=st.one_of(st.none(), st.integers(1, 64)),
    body=st.binary(max_size=256),
)
def test_bridged_answer_equals_direct_answer(
    chain: list[str] | None,
    outer: list[str],
    prefix: list[str],
    inner_prefix: list[str] | None,
    rest: list[str] | None,
    query: str,
    method: str,
    fuzz_headers: dict[str, str],
    cookies: list[str],
    status: int,
    stream: int | None,
    body: bytes,
) -> None:
    mount_prefix = "/".join(prefix)
    if not mount_prefix and rest is None:
        rest = [""]  # Django reads an empty path as "/": ask for "/" itself
    rest_path = "" if rest is None else "/" + "/".join(rest)
    outer_script = "".join("/" + s for s in outer)
    headers = [("X-Fuzz-" + k, v) for k, v in fuzz_headers.items()]
    headers += [("X-Status", str(status)), ("X-Cookies", " ".join(cookies))]
    if stream is not None:
        headers.append(("X-Stream", str(stream)))
    request: dict[str, Any] = {"method": method, "query": query, "headers": headers}
    if method in ("POST", "PUT", "PATCH"):
        request["body"] = body
        request["headers"] = [*headers, ("Content-Type", "application/octet-stream")]

    app: Any = djwsgi.mount(mount_prefix, plain_app)
    inner_path = ("/" + mount_prefix if mount_prefix else "") + rest_path
    if inner_prefix is not None:  # nested: a wsgi_application mounted in another
        nested = djwsgi.wsgi_application([app], middleware=chain)
        app = djwsgi.mount("/".join(inner_prefix), nested)
        inner_path = "/" + "/".join(inner_prefix) + inner_path
    bridged = serve(
        djwsgi.wsgi_application([app], middleware=chain),
        wsgi(inner_path or "/") if inner_path or mount_prefix else wsgi(rest_path),
        script_name=wsgi(outer_script),
        **request,
    )
    app_script = outer_script + inner_path[: len(inner_path) - len(rest_path)]
    direct = serve(
        plain_app,
        wsgi(rest_path),
        script_name=wsgi(app_script),
        **request,
    )
    assert _bridged(bridged, chain is None) == _normalise(direct, head=method == "HEAD")
