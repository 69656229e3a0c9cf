"""The ``ROOT_URLCONF`` of djwsgi's minimal settings: each djwsgi application routes by its
own URLconf (``request.urlconf``), so the project-wide one is empty."""

urlpatterns: list[object] = []
