"""The instructor's secret and what it signs: per-trainee keys (HKDF-SHA256), result
signatures (HMAC), class ids. One module so that variants and grading derive keys the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..._errors import Problem, SpecError
from ..._io import read_input
from ..._limits import SECRET_BYTES
from .._errors import LabError

__all__ = [
    "MANIFEST_FORMAT",
    "canonical",
    "class_id",
    "derive_key",
    "hkdf_sha256",
    "read_secret",
    "secret_id",
    "secret_text",
    "sign",
    "verify",
    "write_secret",
]

MANIFEST_FORMAT = "v6lab-class/1"
_SALT = b"v6lab instructor secret v1"
_KEY_INFO = b"v6lab variant key v1\x00"
_SECRET_BYTES = 32


# -- keys ----------------------------------------------------------------------------------------
def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF (RFC 5869) with SHA-256: extract, then expand to ``length`` bytes."""
    if length > 255 * 32:
        raise LabError("HKDF-SHA256 gives at most 8160 bytes")
    prk = hmac.new(salt or b"\x00" * 32, ikm, hashlib.sha256).digest()
    out = b""
    block = b""
    counter = 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def canonical(data: Any) -> bytes:
    """The bytes a signature covers: sorted keys, no spaces, UTF-8 (stable in Python)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def derive_key(secret: bytes, identity: Mapping[str, Any]) -> bytes:
    """A variant's signing key: HKDF(instructor secret, the variant's identity)."""
    return hkdf_sha256(secret, _SALT, _KEY_INFO + canonical(dict(identity)))


def class_id(secret: bytes, seed: str) -> str:
    """A short public name for one class (secret + seed): it tells classes apart."""
    return hmac.new(secret, b"class\x00" + seed.encode(), hashlib.sha256).hexdigest()[:12]


def secret_id(secret: bytes) -> str:
    """A fingerprint of the secret (it reveals nothing): the grader checks it is the right one."""
    return hashlib.sha256(b"v6lab secret id\x00" + secret).hexdigest()[:16]


def sign(report: Mapping[str, Any], key: bytes) -> str:
    """The HMAC-SHA256 of a report (every field but ``signature``), in hex."""
    body = {k: v for k, v in report.items() if k != "signature"}
    return hmac.new(key, canonical(body), hashlib.sha256).hexdigest()


def verify(report: Mapping[str, Any], secret: bytes) -> bool:
    """True when the report's signature matches its content under the key of the identity
    it claims (which only the holder of ``secret`` can derive)."""
    identity = report.get("identity")
    signature = report.get("signature")
    if not isinstance(identity, dict) or not isinstance(signature, dict):
        return False
    mac = signature.get("mac")
    if not isinstance(mac, str) or not mac.isascii():  # compare_digest takes ASCII text only
        return False
    expected = sign(report, derive_key(secret, identity))
    return hmac.compare_digest(expected, mac)


# -- the secret file -----------------------------------------------------------------------------
def write_secret(path: Path) -> bytes:
    """A new random instructor secret in ``path`` (mode 0600, never overwritten)."""
    import os

    secret = secrets.token_bytes(_SECRET_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as stream:
        stream.write(secret_text(secret))
    return secret


def secret_text(secret: bytes) -> str:
    """The secret file's text (one ``secret:`` line under a warning)."""
    return (
        "# v6lab instructor secret: it derives every trainee's signing key.\n"
        "# Keep it with you; never hand it out. Whoever holds it can sign any result.\n"
        f"secret: {secret.hex()}\n"
    )


def read_secret(path: Path) -> bytes:
    """The secret in ``path`` (``secret: <64 hex>``, or the hex alone)."""
    raw = read_input(path, what="instructor secret", limit=SECRET_BYTES)
    try:
        lines = raw.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise SpecError(
            [Problem(str(path), 1, 1, "this is not a v6lab instructor secret (not UTF-8 text)")]
        ) from None
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        value = text.partition(":")[2].strip() if text.startswith("secret:") else text
        if re.fullmatch(r"[0-9a-fA-F]{64}", value):
            return bytes.fromhex(value)
        raise SpecError(
            [
                Problem(
                    str(path),
                    number,
                    1,
                    "this is not a v6lab instructor secret",
                    "the file holds one line `secret: ` and 64 hex digits, as `v6lab variants` writes it",
                )
            ]
        )
    raise SpecError([Problem(str(path), 1, 1, "the instructor secret file is empty")])
