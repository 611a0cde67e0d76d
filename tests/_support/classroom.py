"""A class, as the instructor tests make one: ``v6lab variants`` on the instructor
fixture labs (tests/data/instructor/labs) and trainees who start their variant, work and
hand in — through the real command line, in-process, on the simulator."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .lab import have_module, need, v6lab

__all__ = [
    "DATA",
    "LAB",
    "LAB2",
    "LABS",
    "ROSTER",
    "Server",
    "auth_of",
    "classroom_server",
    "get",
    "instructor_secret",
    "make_class",
    "post",
    "resign",
    "sim_ready",
    "trainee_run",
    "variant_of",
]

DATA = Path(__file__).resolve().parents[1] / "data" / "instructor"
LABS = DATA / "labs"
ROSTER = DATA / "roster-30.csv"
LAB = "i1-first-ping"
LAB2 = "i2-static-addressing"
SECRET_ENV = "V6LAB_INSTRUCTOR_SECRET"


def sim_ready() -> None:
    need(
        have_module("v6plan.lab.runtime.sim"),
        "the sim backend (v6plan.lab.runtime.sim) is not there",
    )


def make_class(
    tmp_path: Path,
    seed: str = "workshop-1",
    secret: Path | None = None,
    labs: tuple[str, ...] = (LAB,),
    roster: Path = ROSTER,
) -> Path:
    """``v6lab variants`` of ``labs`` for the roster: the class directory."""
    out = tmp_path / f"class-{seed}"
    args: list[object] = ["variants", *labs, "--roster", roster, "--seed", seed, "--out", out]
    if secret is not None:
        args += ["--secret", secret]
    code, _, err = v6lab(*args)
    assert code == 0, err
    return out


def variant_of(cls: Path, trainee: str, lab: str = LAB) -> Path:
    return cls / "trainees" / trainee / f"{lab}.variant.yaml"


def _secret_of(variant: Path) -> Path | None:
    """The secret that made a class's variant (class.json says where it is)."""
    manifest = variant.parents[2] / "instructor" / "class.json"
    if not manifest.is_file():
        return None
    recorded = Path(str(json.loads(manifest.read_text()).get("secret", "secret.key")))
    return recorded if recorded.is_absolute() else manifest.parent / recorded


@contextmanager
def instructor_secret(path: Path | None) -> Iterator[None]:
    """``$V6LAB_INSTRUCTOR_SECRET`` set to ``path`` for the block (unset when None)."""
    old = os.environ.get(SECRET_ENV)
    if path is None:
        os.environ.pop(SECRET_ENV, None)
    else:
        os.environ[SECRET_ENV] = str(path)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(SECRET_ENV, None)
        else:
            os.environ[SECRET_ENV] = old


def trainee_run(
    variant: Path | None,
    report: Path,
    how: str = "solve",
    lab: str = LAB,
    hints: int = 0,
) -> None:
    """One trainee's session: start (with their variant), work, check --report, stop.
    Their work is stood in for by ``v6lab solve`` (the reference or a known-bad solution),
    run with the instructor's secret present — a sealed variant refuses it otherwise."""
    args: list[object] = ["start", lab] + (["--variant", variant] if variant else [])
    code, _, err = v6lab(*args)
    assert code == 0, err
    for _ in range(hints):
        v6lab("hint")
    with instructor_secret(_secret_of(variant) if variant else None):
        if how == "solve":
            assert v6lab("solve")[0] == 0
        elif how.startswith("broken"):
            assert v6lab("solve", "--broken", how.removeprefix("broken"))[0] == 0
    report.parent.mkdir(parents=True, exist_ok=True)
    v6lab("check", "--report", report)
    assert report.is_file()
    assert v6lab("stop")[0] == 0


def resign(path: Path, variant: Path, **changes: Any) -> None:
    """Re-sign a result file with a trainee's own key after ``changes`` (what a trainee
    who reads the code can do: their key is in their variant file)."""
    import yaml

    from v6plan.lab.instructor._seal import identity_of
    from v6plan.lab.instructor._secrets import sign

    fields = yaml.safe_load(variant.read_text())
    data = json.loads(path.read_text())
    data.update(changes)
    data["identity"] = identity_of(fields)
    data["signature"] = {"alg": "HMAC-SHA256", "kdf": "HKDF-SHA256", "mac": ""}
    data["signature"]["mac"] = sign(data, bytes.fromhex(fields["key"]))
    path.write_text(json.dumps(data))


# -- the classroom server ----------------------------------------------------------------------------
class Server:
    """A ``v6lab classroom serve`` process and what it printed."""

    def __init__(self, process: Any, url: str, key: str) -> None:
        self.process = process
        self.url = url
        self.key = key

    def kill(self) -> None:
        """SIGKILL, the way a crash or a pulled plug ends it: no cleanup at all."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)


@contextmanager
def classroom_server(classdir: Path, *options: str) -> Iterator[Server]:
    """``v6lab classroom serve CLASSDIR`` in its own process, until the block ends (then
    ended by its PID: SIGTERM, and SIGKILL if it does not go)."""
    import re
    import subprocess
    import sys
    import time

    log = (classdir / "serve.log").open("w")  # a file, not a pipe nobody drains: never blocks
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "v6plan.lab.cli",
            "classroom",
            "serve",
            str(classdir),
            "--port",
            "0",
            *options,
        ],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env={**os.environ},
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 60
        text = ""
        while time.monotonic() < deadline and "dashboard" not in text:
            line = process.stdout.readline()
            if not line:
                break
            text += line
        found = re.search(r"(http://\S+?)/\?key=([0-9a-f]+)", text)
        assert found, (text, (classdir / "serve.log").read_text())
        yield Server(process, found.group(1), found.group(2))
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log.close()


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """POST ``body``: (status, JSON answer) — an error status is an answer too."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status), json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return int(exc.code), json.loads(raw or b"{}")
        except ValueError:
            return int(exc.code), {"raw": raw[:200].decode(errors="replace")}


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            raw = answer.read()
            kind = answer.headers.get("Content-Type", "")
            return int(answer.status), json.loads(raw) if "json" in kind else raw.decode()
    except urllib.error.HTTPError as exc:
        return int(exc.code), json.loads(exc.read() or b"{}")


def auth_of(variant: Path) -> str:
    """The ``Authorization`` header of a trainee's variant (what `check --submit` sends)."""
    import yaml

    from v6plan.lab.instructor.classroom._auth import authorization

    fields = yaml.safe_load(variant.read_text())
    return authorization(fields["variant"], fields["lab"], bytes.fromhex(fields["key"]))
