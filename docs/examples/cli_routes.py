"""``djwsgi routes`` on the PasteDeploy guide's pipeline, through the command's Python API."""

from djwsgi.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["routes", "paste_pipeline.ini"]))
