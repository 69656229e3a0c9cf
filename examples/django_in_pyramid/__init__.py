"""Django inside Pyramid: a Django URLconf under ``/django`` of a Pyramid app.

Run it with ``python -m examples.django_in_pyramid`` (or serve ``app:application``).
"""
