"""The demo project served by ``paste.ini.sample``: a Django URLconf with the admin on sqlite,
a lone view, a Flask app guarded by Django's login, and a Werkzeug app inside a Django site."""
