"""Cookies, CSRF tokens and response headers for the pages.

Every form that changes something carries the session's CSRF token in a hidden ``csrf_token`` field.
The sign-in form has no session yet, so it uses a signed double-submit token: a random value in a
cookie, and in the form an HMAC of that value under the secret key, which another site can neither
read nor forge.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SIGN_IN_COOKIE = "crimelink_sign_in"
SIGN_IN_COOKIE_MAX_AGE = 2 * 60 * 60


class SignInRequired(Exception):  # noqa: N818 (a signal to redirect, not an error)
    """Raised by page dependencies when nobody is signed in; answered by a redirect to /sign-in."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRejected(Exception):  # noqa: N818
    """A form arrived without the token of the session (or of the sign-in page) that served it."""


def new_sign_in_cookie() -> str:
    return secrets.token_urlsafe(32)


def sign_in_form_token(cookie_value: str, key: str) -> str:
    return hmac.new(key.encode(), f"sign-in:{cookie_value}".encode(), hashlib.sha256).hexdigest()


def sign_in_token_valid(cookie_value: str | None, form_value: str, key: str) -> bool:
    if not cookie_value or not form_value:
        return False
    return hmac.compare_digest(sign_in_form_token(cookie_value, key), form_value)


def safe_next(value: str | None) -> str:
    """Where to go after signing in: only a path on this site, never another site."""
    if not value:
        return "/"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def content_security_policy(extra_form_action: str = "", extra_img_src: str = "") -> str:
    """The policy every response carries; ``extra_img_src`` is a configured map tile server's origin."""
    form_action = f"'self' {extra_form_action}".strip()
    img_src = f"'self' data: {extra_img_src}".strip()
    return (
        f"default-src 'self'; script-src 'self'; style-src 'self'; img-src {img_src}; "
        f"connect-src 'self'; form-action {form_action}; frame-ancestors 'none'; base-uri 'self'; "
        "object-src 'none'"
    )


class SecurityHeaders:
    """Adds CSP and friends to every response, and ``no-store`` to everything but static files."""

    def __init__(self, app: ASGIApp, *, csp: str) -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(self.headers)
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
