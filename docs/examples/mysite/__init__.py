"""The small Django project behind docs/examples/paste_pipeline.ini."""
