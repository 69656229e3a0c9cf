"""A Flask app mounted in a Django site with sessions and auth: log in with Django's login
form, and Flask greets you by ``REMOTE_USER``.

From ``examples/``::

    python -m django migrate --settings=flask_in_django.settings
    python -m django createsuperuser --settings=flask_in_django.settings
    waitress-serve --listen=127.0.0.1:8000 flask_in_django.wsgi:application

then open http://127.0.0.1:8000/flask/ and log in.
"""
