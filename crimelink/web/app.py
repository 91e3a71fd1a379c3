"""The FastAPI application: pages at ``/``, the JSON API at ``/api``, static files at ``/static``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from starlette.middleware.sessions import SessionMiddleware

from crimelink import __version__
from crimelink.api.routes import api_router
from crimelink.deconflict.rules import rules_from
from crimelink.services.map_outline import tile_origin
from crimelink.services.store import open_store
from crimelink.settings import Settings
from crimelink.store.engine import make_session_factory
from crimelink.web.errors import install_error_handlers
from crimelink.web.oidc import issuer_origin, make_oidc_client
from crimelink.web.pages import page_routers
from crimelink.web.rendering import STATIC_DIR, make_templates
from crimelink.web.security import SecurityHeaders, content_security_policy

#: The cookie Authlib keeps the single sign-on state and nonce in, between login and callback.
SSO_STATE_COOKIE = "crimelink_sso"

_DESCRIPTION = """\
The JSON twin of every Crimelink page. Authenticate with an API token
(`Authorization: Bearer clk_...`, created on the *API tokens* page) or the browser session cookie
(changes then need the `X-CSRF-Token` header). Errors are `{"detail": "..."}` with status 400, 401,
403, 404, 409 or 422; 409 and 422 also name each bad field in `errors`.
"""


def create_app(settings: Settings, engine: Engine | None = None) -> FastAPI:
    """The web application for ``settings``, on ``engine`` (default: the configured, migrated store)."""
    store = engine or open_store(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Handlers run on a thread pool; the work is CPU-bound, so a large pool only makes its threads
        # contend for the interpreter (``CRIMELINK_WORKER_THREADS``).
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="Crimelink",
        version=__version__,
        description=_DESCRIPTION,
        openapi_url="/api/openapi.json",
        docs_url=None,  # the interactive docs load scripts from a CDN; the deployment may have no internet
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = store
    app.state.session_factory = make_session_factory(store)
    # Read and checked once: a file with a mistake stops the server at start, naming the file and rule.
    app.state.deconfliction_rules = rules_from(settings.deconfliction_rules_file)
    app.state.templates = make_templates()
    app.state.signing_key = settings.signing_key()  # refuses to start in production without a real key
    app.state.oidc = make_oidc_client(settings)

    app.add_middleware(
        SecurityHeaders, csp=content_security_policy(issuer_origin(settings), tile_origin(settings))
    )
    if app.state.oidc is not None:
        app.add_middleware(
            SessionMiddleware,
            secret_key=app.state.signing_key,
            session_cookie=SSO_STATE_COOKIE,
            max_age=15 * 60,
            same_site="lax",
            https_only=settings.cookie_secure,
        )
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(api_router, prefix="/api")
    for router in page_routers:
        app.include_router(router, include_in_schema=False)
    install_error_handlers(app)
    return app


def app_from_environment() -> FastAPI:
    """The application for the settings in the environment: each of ``crimelink serve --workers N``'s
    processes builds its own with this."""
    return create_app(Settings())
