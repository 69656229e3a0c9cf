"""Creates the ``demo`` user (password ``demo``) after the first ``migrate``."""

import sys
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_demo_user(app_config: AppConfig, **kwargs: Any) -> None:
    if app_config.label != "auth":  # post_migrate is sent once per app with models
        return
    from django.contrib.auth import get_user_model

    users = get_user_model()
    if not users.objects.filter(username="demo").exists():
        users.objects.create_superuser("demo", "demo@example.com", "demo")
        print("djwsgi demo: created the user 'demo' with the password 'demo'", file=sys.stderr)


class DemoConfig(AppConfig):
    name = "demo"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(create_demo_user, dispatch_uid="djwsgi-demo-user")
