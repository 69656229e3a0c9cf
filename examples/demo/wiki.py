"""A real Werkzeug app; paste.ini.sample mounts it inside the Django site (egg:djwsgi#site)."""

from typing import Any

from werkzeug.wrappers import Request, Response


@Request.application  # type: ignore[arg-type]
def wiki(request: Request) -> Response:
    user = request.environ.get("REMOTE_USER", "anonymous")
    page = request.path.strip("/") or "FrontPage"
    return Response(
        f"Wiki page {page} at {request.script_root}{request.path}, for {user}\n",
        content_type="text/plain",
    )


def app_factory(global_conf: dict[str, str], **local_conf: str) -> Any:
    """``use = call:demo.wiki:app_factory``"""
    return wiki
