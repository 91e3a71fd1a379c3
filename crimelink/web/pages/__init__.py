"""Page routes, one module per resource; every page has a JSON twin under /api."""

from fastapi import APIRouter

from crimelink.web.pages import agencies, agreements, auth, compartments, home, tokens, users

page_routers: tuple[APIRouter, ...] = (
    auth.router,
    home.router,
    tokens.router,
    agencies.router,
    users.router,
    compartments.router,
    agreements.router,
)

__all__ = ["page_routers"]
