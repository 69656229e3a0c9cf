"""``configs/guarded.ini`` loaded with PasteDeploy, for a live server to serve."""

from pathlib import Path

from paste.deploy import loadapp

application = loadapp("config:configs/guarded.ini", relative_to=str(Path(__file__).parent))
