def wiki(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"wiki for {environ.get('REMOTE_USER', 'nobody')}\n".encode()]


def make_app(global_conf, **local_conf):
    return wiki
