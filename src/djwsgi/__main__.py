"""``python -m djwsgi``: the ``djwsgi`` command (see :mod:`djwsgi.cli`)."""

from .cli import main

raise SystemExit(main())
