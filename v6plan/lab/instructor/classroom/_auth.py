"""Who may submit: each trainee's token for each lab, derived from their variant's signing
key (which only they and the instructor's secret can make). The trainee sends it; the
server derives it again from the secret. The secret never leaves the instructor's machine.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["SCHEME", "authorization", "dashboard_key", "parse_authorization", "token"]

SCHEME = "V6lab"
_TOKEN_INFO = b"v6lab classroom token v1"
_DASHBOARD_INFO = b"v6lab classroom dashboard v1"


def token(variant_key: bytes) -> str:
    """A trainee's classroom token for one lab (hex): an HMAC of their variant key, so the
    key itself is never sent."""
    return hmac.new(variant_key, _TOKEN_INFO, hashlib.sha256).hexdigest()


def authorization(trainee: str, lab: str, variant_key: bytes) -> str:
    """The ``Authorization`` header a trainee sends."""
    return f"{SCHEME} {trainee} {lab} {token(variant_key)}"


def parse_authorization(header: str) -> tuple[str, str, str] | None:
    """(trainee, lab, token) of an ``Authorization`` header, or None when it is not ours."""
    parts = header.split()
    if len(parts) != 4 or parts[0] != SCHEME or len(header) > 600:
        return None
    _, trainee, lab, tok = parts
    if len(tok) != 64 or not all(c in "0123456789abcdef" for c in tok):
        return None
    return trainee, lab, tok


def dashboard_key(secret: bytes) -> str:
    """The dashboard's key (in its URL, for the instructor): one HMAC of the secret."""
    return hmac.new(secret, _DASHBOARD_INFO, hashlib.sha256).hexdigest()[:32]
