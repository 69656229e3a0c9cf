"""``python -m examples.django_in_pyramid [--host HOST] [--port PORT]``: serve the example."""

import argparse

import waitress

from .app import application

parser = argparse.ArgumentParser(prog="python -m examples.django_in_pyramid")
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, default=8080)
args = parser.parse_args()
server = waitress.create_server(application, host=args.host, port=args.port)
print(f"Serving on http://{server.effective_host}:{server.effective_port}/", flush=True)
server.run()
