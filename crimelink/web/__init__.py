"""The web application: server-rendered pages (Jinja2 + htmx) and the JSON API, from one FastAPI app.

>>> from crimelink.web import create_app  # create_app(settings) -> FastAPI
"""

from crimelink.web.app import create_app

__all__ = ["create_app"]
