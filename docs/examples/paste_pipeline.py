"""Load paste_pipeline.ini as pserve or gunicorn --paste would, and send it requests."""

from pathlib import Path

from paste.deploy import loadapp
from webtest import TestApp

application = loadapp("config:paste_pipeline.ini", relative_to=str(Path(__file__).parent))

if __name__ == "__main__":
    client = TestApp(application)
    print(client.get("/home").text, end="")
    print(client.get("/home/about/").text, end="")
    print(client.get("/blog/").text, end="")
    print(client.get("/open-wiki/", headers={"Remote-User": "mallory"}).text, end="")
    response = client.get("/wiki/page")
    print(response.status, response.headers["Location"])
    print(response.follow().text, end="")
    response = client.get("/nowhere", status=404)
    print(response.status, response.text.splitlines()[0])
