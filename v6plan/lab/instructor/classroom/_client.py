"""The trainee's side of the classroom: an outbox of signed results, sent exactly once.

``v6lab check --submit URL`` puts its signed result in the outbox (a folder in the v6lab
state directory, which outlives the lab session) and then sends every queued result, oldest
first. A result leaves the outbox only when the server has answered that it recorded it;
an unreachable server leaves it queued for the next ``check`` or ``v6lab classroom send``.
The server stores a signature once, so a resend after a lost answer is not a duplicate:
exactly once end to end. A result the server refuses (4xx) moves to ``outbox/refused/``
with the reason, and is never sent again. Standard library only (urllib).
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ...._io import write_atomic
from ...runtime._session import state_dir
from .._seal import signing_key, variant_fields
from ._auth import authorization

__all__ = ["URL_ENV", "Outcome", "enqueue", "flush", "outbox"]

URL_ENV = "V6LAB_CLASSROOM_URL"
TIMEOUT = 10.0


@dataclass
class Outcome:
    """What happened to one queued result."""

    file: Path
    state: Literal["recorded", "queued", "refused"]
    detail: str = ""
    answer: dict[str, Any] | None = None


def outbox() -> Path:
    return state_dir() / "outbox"


def enqueue(url: str, result: dict[str, Any], variant_file: str) -> Path:
    """Queue a signed result for ``url``, with the trainee's token made from the variant's
    key now (the variant file may be gone when the queue is sent)."""
    from ..._errors import LabError

    identity = result.get("identity")
    signature = result.get("signature")
    key = signing_key(variant_fields(variant_file)) if variant_file else ""
    if not isinstance(identity, dict) or not isinstance(signature, dict) or not key:
        raise LabError(
            "not submitted: only a signed result can be sent to the classroom — start the "
            "lab with the variant file from your instructor (v6lab start LAB --variant FILE)"
        )
    if not url.startswith(("http://", "https://")):
        raise LabError(f"{url!r} is not a classroom URL: give it as http://HOST:PORT")
    entry = {
        "url": url.rstrip("/") + "/api/results",
        "authorization": authorization(
            str(identity.get("variant")), str(identity.get("lab")), bytes.fromhex(key)
        ),
        "queued": time.time(),
        "result": result,
    }
    folder = outbox()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{time.time_ns():020d}-{str(signature.get('mac', ''))[:16]}.json"
    write_atomic(path, json.dumps(entry, ensure_ascii=False) + "\n")
    return path


def _send(entry: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST one queued result: (HTTP status, the JSON answer); status 0 = unreachable."""
    body = json.dumps(entry["result"], ensure_ascii=False).encode()
    request = urllib.request.Request(
        str(entry["url"]),
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": str(entry["authorization"])},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            return int(answer.status), _json(answer.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), _json(exc.read())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return 0, {"error": str(getattr(exc, "reason", exc))}


def _json(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw[:1_000_000])
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def flush() -> list[Outcome]:
    """Send every queued result, oldest first; stop at the first that cannot be sent now
    (the rest keep their order for the next time)."""
    folder = outbox()
    outcomes: list[Outcome] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            _set_aside(path)
            outcomes.append(Outcome(path, "refused", "the queued file is damaged"))
            continue
        status, answer = _send(entry)
        if status == 200:
            path.unlink(missing_ok=True)  # only now: a crash before this resends, not loses
            outcomes.append(Outcome(path, "recorded", answer=answer.get("recorded")))
        elif status == 0 or status >= 500 or status in (408, 429):
            why = str(answer.get("error", f"HTTP {status}")) if status else str(answer.get("error"))
            outcomes.append(Outcome(path, "queued", why))
            outcomes += [
                Outcome(p, "queued", "waiting") for p in sorted(folder.glob("*.json")) if p > path
            ]
            break
        else:
            _set_aside(path)
            outcomes.append(Outcome(path, "refused", str(answer.get("error", f"HTTP {status}"))))
    return outcomes


def _set_aside(path: Path) -> None:
    """Move a refused result out of the queue (kept, to show the instructor)."""
    refused = path.parent / "refused"
    refused.mkdir(exist_ok=True)
    os.replace(path, refused / path.name)
