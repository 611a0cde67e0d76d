"""HTTP to an IPAM's REST API on the standard library (urllib): no client package needed.

Reads page through ``next`` links (only ever on the server named by the URL: a link to
another host would carry the token there, so it is refused); writes go to the bulk
endpoints in batches. A 502/503/504, a refused connection or a timeout is retried with
backoff; a timed-out *write* is not, since the server may have applied it — the next run
finds what it did. TLS is verified (``--ca-file`` for a private CA). The token is sent in
the ``Authorization`` header and appears in no message, log or exception.
"""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .._errors import InputError, V6PlanError

__all__ = ["Client", "IpamError", "read_token"]

#: Objects per bulk request: big enough to be fast, small enough for a progress bar.
BATCH = 250
PAGE = 1000
RETRIES = 4
_RETRY_STATUS = (502, 503, 504)
_MAX_BODY = 64 << 20  # one response page, at most


class IpamError(V6PlanError):
    """The IPAM cannot be reached, refuses the token, or refuses a write (exit 1)."""


def read_token(token_file: str | None, environ: dict[str, str]) -> str:
    """The API token from ``--token-file`` or ``V6PLAN_IPAM_TOKEN`` (never the command line)."""
    if token_file:
        try:
            with open(token_file, encoding="utf-8") as f:
                token = f.read(4096).strip()
        except OSError as exc:
            raise InputError(  # the path is not echoed: it may be a token typed in its place
                f"--token-file: cannot read that file ({exc.strerror or 'error'}); it takes a "
                "file that holds the token, not the token itself"
            ) from None
        where = f"--token-file {token_file}"
    else:
        token = environ.get("V6PLAN_IPAM_TOKEN", "").strip()
        where = "V6PLAN_IPAM_TOKEN"
        if not token:
            raise InputError(
                "no API token: put it in a file and give --token-file FILE, or set "
                "V6PLAN_IPAM_TOKEN (never on the command line, where `ps` shows it)"
            )
    if not token or any(c.isspace() or not c.isprintable() for c in token):
        raise InputError(f"{where}: the token must be one line of printable characters")
    return token


def check_url(url: str) -> str:
    """The server's base URL, without a trailing slash or ``/api``; refused unless http(s)."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{url!r} is not an http:// or https:// URL (e.g. https://netbox.example)")
    if parts.query or parts.fragment or parts.username:
        raise InputError(f"{url!r}: give the server's address alone (no user, query or #)")
    path = parts.path.rstrip("/")
    path = path.removesuffix("/api")
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class Client:
    """One server: JSON requests with the token, counting what it sends."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        scheme: str = "Token",
        ca_file: str | None = None,
        timeout: float = 60.0,
        batch: int = BATCH,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base = check_url(url)
        self._auth = f"{scheme} {token}"
        self._token = token
        self.accept = "application/json"
        self.timeout = timeout
        self.batch = batch
        self.sleep = sleep
        self.reads = 0
        self.writes = 0  # objects sent in POST/PATCH/DELETE requests
        self.requests = 0
        context = None
        if self.base.startswith("https:"):
            try:
                context = ssl.create_default_context(cafile=ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise InputError(f"--ca-file {ca_file}: {exc}") from None
        self._opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context))

    # -- requests -----------------------------------------------------------------------------
    def _url(self, path: str, params: dict[str, Any] | None = None) -> str:
        url = path if path.startswith(("http://", "https://")) else self.base + path
        if not self._same_server(url):
            raise IpamError(f"the server sent a link to another server ({_host(url)}): refused")
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params, doseq=True)
        return url

    def _same_server(self, url: str) -> bool:
        a, b = urllib.parse.urlsplit(self.base), urllib.parse.urlsplit(url)
        return (a.scheme, a.netloc) == (b.scheme, b.netloc)

    def request(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        """One request and its JSON answer, retried on a server or network hiccup."""
        url = self._url(path, params or None)
        data = None if body is None else json.dumps(body).encode()
        retry_timeout = method == "GET"
        for attempt in range(RETRIES + 1):
            req = urllib.request.Request(url, data=data, method=method)
            req.add_header("Authorization", self._auth)
            req.add_header("Accept", self.accept)
            if data is not None:
                req.add_header("Content-Type", "application/json")
            self.requests += 1
            try:
                with self._opener.open(req, timeout=self.timeout) as resp:
                    raw = resp.read(_MAX_BODY + 1)
                    if len(raw) > _MAX_BODY:
                        raise IpamError(f"{method} {path}: the answer is over {_MAX_BODY:,} bytes")
                    return json.loads(raw) if raw.strip() else None
            except urllib.error.HTTPError as exc:
                if exc.code in _RETRY_STATUS and attempt < RETRIES:
                    self.sleep(0.5 * 2**attempt)
                    continue
                raise self._http_error(method, path, exc) from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                if isinstance(reason, ssl.SSLError):
                    raise IpamError(
                        f"{self.base}: TLS failed ({reason.reason or reason}); a private CA "
                        "goes in --ca-file FILE"
                    ) from None
                refused = isinstance(reason, ConnectionRefusedError)
                if attempt < RETRIES and (refused or retry_timeout):
                    self.sleep(0.5 * 2**attempt)
                    continue
                if not refused and not retry_timeout and _timed_out(exc):
                    raise IpamError(
                        f"{method} {path}: no answer within {self.timeout:g} s; the server may "
                        "have applied it — run the same command again (it finds what was "
                        "made), with a smaller --batch"
                    ) from None
                raise IpamError(
                    f"cannot reach {self.base}: {self._clean(str(reason))} — is the server up, "
                    "and is the URL right?"
                ) from None
            except json.JSONDecodeError:
                raise IpamError(
                    f"{method} {self.base}{path}: the answer is not JSON — is {self.base} a "
                    "NetBox or Nautobot?"
                ) from None
        raise AssertionError("unreachable")

    def _clean(self, text: str) -> str:
        return text.replace(self._token, "…")

    def _http_error(self, method: str, path: str, exc: urllib.error.HTTPError) -> IpamError:
        try:
            detail = exc.read(8192).decode("utf-8", "replace")
            parsed = json.loads(detail)
            detail = (
                json.dumps(parsed, ensure_ascii=False) if not isinstance(parsed, str) else parsed
            )
        except (OSError, ValueError):
            pass
        detail = self._clean(" ".join(str(detail).split()))[:600]
        if exc.code in (401, 403):
            return IpamError(
                f"{self.base} refused the token (HTTP {exc.code}: {detail}) — check "
                "--token-file or V6PLAN_IPAM_TOKEN, and that the token may write"
            )
        if exc.code == 404:
            return IpamError(
                f"{method} {self.base}{path}: not found (HTTP 404) — is the URL right?"
            )
        return IpamError(f"{method} {path}: HTTP {exc.code}: {detail}")

    # -- reading and bulk writing ----------------------------------------------------------------
    def get_all(self, path: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Every object of a list endpoint, page by page."""
        page: Any = self.request("GET", path, limit=PAGE, **params)
        while True:
            self.reads += 1
            yield from page.get("results", [])
            nxt = page.get("next")
            if not nxt:
                return
            page = self.request("GET", nxt)

    def bulk(
        self,
        method: str,
        path: str,
        objects: Sequence[dict[str, Any]],
        done: Callable[[int], None] | None = None,
    ) -> list[dict[str, Any]]:
        """POST, PATCH or DELETE a list of objects in batches; the created objects back."""
        out: list[dict[str, Any]] = []
        for start in range(0, len(objects), self.batch):
            chunk = list(objects[start : start + self.batch])
            answer = self.request(method, path, chunk)
            self.writes += len(chunk)
            if isinstance(answer, list):
                out.extend(answer)
            if done is not None:
                done(len(chunk))
        return out


def _timed_out(exc: BaseException) -> bool:
    reason = getattr(exc, "reason", exc)
    return isinstance(exc, TimeoutError) or isinstance(reason, TimeoutError)


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc or url[:60]
