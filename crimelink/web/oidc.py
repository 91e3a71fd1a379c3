"""Optional single sign-on with OpenID Connect, through Authlib's Starlette client.

Enabled only when ``oidc_issuer``, ``oidc_client_id`` and ``oidc_client_secret`` are all set. The
provider's endpoints and keys come from its discovery document; Authlib checks the ID token's
signature, issuer, audience, expiry and nonce.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from crimelink.settings import Settings


def oidc_configured(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret)


def make_oidc_client(settings: Settings) -> Any | None:
    """The registered OIDC client, or ``None`` when single sign-on is not configured."""
    if not oidc_configured(settings) or settings.oidc_client_secret is None:
        return None
    # Imported here so a deployment without single sign-on never loads the client stack.
    from authlib.integrations.starlette_client import OAuth

    issuer = (settings.oidc_issuer or "").rstrip("/")
    oauth = OAuth()
    oauth.register(
        name="crimelink",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value(),
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile"},
    )
    return oauth.create_client("crimelink")


def issuer_origin(settings: Settings) -> str:
    """The provider's origin, which the sign-in page's SSO form may be redirected to."""
    parts = urlsplit(settings.oidc_issuer or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
