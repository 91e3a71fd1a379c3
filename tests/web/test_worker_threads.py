"""The server's thread pool is as large as ``CRIMELINK_WORKER_THREADS`` says (the handlers run on it)."""

from __future__ import annotations

import anyio.to_thread
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from crimelink.settings import Settings
from crimelink.web import create_app


def pool_size(client: TestClient) -> float:
    assert client.portal is not None
    return client.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)


def test_the_thread_pool_holds_the_configured_number_of_requests(store: Engine, settings: Settings) -> None:
    with TestClient(create_app(settings, store)) as client:
        assert pool_size(client) == 2, "the default"
    narrow = settings.model_copy(update={"worker_threads": 3})
    with TestClient(create_app(narrow, store)) as client:
        assert pool_size(client) == 3
        assert client.get("/sign-in").status_code == 200, "pages are still served"
