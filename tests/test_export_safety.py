"""Exports never land on an input, and a multi-file format never hides in one file.

`-o FILE` and `--dir DIR` are refused (exit 2, nothing touched, before any export work)
when they resolve — by name, symlink, hard link or `..` — to the spec, its lock (also the
default lock that does not exist yet) or the plan file the command reads. `-o FILE` for a
format that writes several files says `--dir`. `free --lock` is honoured. The hostile-text
tests, with the real readers, are in test_export_text.py.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from v6plan.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@pytest.fixture
def isp(tmp_path: Path) -> Path:
    """examples/isp-core.yaml and its lock, copied (5 routers, links, LANs)."""
    for suffix in (".yaml", ".lock.json"):
        shutil.copy(EXAMPLES / f"isp-core{suffix}", tmp_path / f"isp-core{suffix}")
    return tmp_path / "isp-core.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(directory: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file under ``directory``: inode, mtime and bytes (symlinks as their target)."""
    out = {}
    for path in sorted(directory.rglob("*")):
        if path.is_symlink():
            out[str(path.relative_to(directory))] = (0, 0, os.readlink(path).encode())
        elif path.is_file():
            info = path.stat()
            out[str(path.relative_to(directory))] = (
                info.st_ino,
                info.st_mtime_ns,
                path.read_bytes(),
            )
        else:
            out[str(path.relative_to(directory)) + "/"] = (0, 0, b"")
    return out


def refused(capsys: pytest.CaptureFixture[str], where: Path, *argv: str) -> str:
    """Run ``argv``: exit 2, one line naming the refusal, and nothing under ``where`` changed."""
    before = snapshot(where)
    code, out, err = run(capsys, *argv)
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert snapshot(where) == before
    return err


# -- -o onto an input -----------------------------------------------------------------------------
Alias = Callable[[Path], Path]


def same(target: Path) -> Path:
    return target


def symlink(target: Path) -> Path:
    link = target.with_name("link-" + target.name)
    link.symlink_to(target.name)
    return link


def hardlink(target: Path) -> Path:
    link = target.with_name("hard-" + target.name)
    os.link(target, link)
    return link


def dotdot(target: Path) -> Path:
    (target.parent / "sub").mkdir(exist_ok=True)
    return target.parent / "sub" / ".." / target.name


@pytest.mark.parametrize("alias", [same, symlink, hardlink, dotdot])
@pytest.mark.parametrize("which", ["spec", "lock"])
def test_output_onto_the_spec_or_its_lock_is_refused(
    isp: Path, capsys: pytest.CaptureFixture[str], alias: Alias, which: str
) -> None:
    target = isp if which == "spec" else isp.with_name("isp-core.lock.json")
    output = alias(target)
    err = refused(capsys, isp.parent, "export", str(isp), "-f", "csv", "-o", str(output))
    assert f"refusing to write {output}" in err
    assert ("the spec" if which == "spec" else "the lock") in err


def test_output_onto_the_default_lock_that_does_not_exist_yet(
    isp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = isp.with_name("isp-core.lock.json")
    lock.unlink()
    refused(capsys, isp.parent, "export", str(isp), "-f", "json", "-o", str(lock))
    assert not lock.exists()
    refused(capsys, isp.parent, "export", str(isp), "-f", "json", "-o", str(dotdot(lock)))


def test_output_onto_a_given_lock_is_refused(isp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = isp.with_name("other.lock.json")
    shutil.copy(isp.with_name("isp-core.lock.json"), other)
    args = ("export", str(isp), "--lock", str(other), "-f", "csv")
    refused(capsys, isp.parent, *args, "-o", str(symlink(other)))
    missing = isp.with_name("missing.lock.json")  # a lock not written yet counts too
    refused(capsys, isp.parent, "export", str(isp), "--lock", str(missing), "-o", str(missing), "-f", "csv")  # fmt: skip
    assert not missing.exists()


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_output_onto_the_plan_file_is_refused(
    isp: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    plan = isp.with_name(f"plan.{kind}")
    assert run(capsys, "export", str(isp), "-f", kind, "-o", str(plan))[0] == 0
    for output in (plan, hardlink(plan)):
        err = refused(capsys, isp.parent, "export", str(plan), "-f", kind, "-o", str(output))
        assert "refusing to write" in err


# -- --dir holding an input -------------------------------------------------------------------------
def no_export_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every multi-file writer fail loudly: a refusal must come before any of them."""
    from v6plan.export import _dns, _netbox, _router

    def started(*_: object) -> None:
        raise AssertionError("the export started before the refusal")

    for module, name in (
        (_router, "write_frr"),
        (_router, "write_radvd"),
        (_dns, "write_zones"),
        (_netbox, "write_files_csv"),
    ):
        monkeypatch.setattr(module, name, started)


def test_dir_that_is_the_spec_is_refused(isp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for directory in (isp, symlink(isp), dotdot(isp)):
        err = refused(capsys, isp.parent, "export", str(isp), "-f", "frr", "--dir", str(directory))
        assert "refusing to write" in err


@pytest.mark.parametrize("link", ["hard", "symbolic"])
@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("frr", "frr-pe1.conf"),
        ("radvd", "radvd-pe1.conf"),
        ("bind", "db.8.b.d.0.1.0.0.2.ip6.arpa"),
        ("bind", "named.conf.zones"),
    ],
)
def test_dir_holding_an_input_named_like_an_output_is_refused_before_any_work(
    isp: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    link: str,
    fmt: str,
    name: str,
) -> None:
    out = isp.parent / "out"
    out.mkdir()
    if link == "hard":
        os.link(isp, out / name)
    else:
        (out / name).symlink_to(isp)
    no_export_work(monkeypatch)
    for directory in (out, out / ".." / "out"):
        err = refused(capsys, isp.parent, "export", str(isp), "-f", fmt, "--dir", str(directory))
        assert f"{name}: it is the spec" in err


def test_dir_holding_the_lock_is_refused(isp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The lock (existing, and one not written yet) where a file of the export would go."""
    out = isp.parent / "zones"
    out.mkdir()
    lock = out / "named.conf.zones"
    shutil.copy(isp.with_name("isp-core.lock.json"), lock)
    args = ("export", str(isp), "--lock", str(lock), "-f", "bind", "--dir", str(out))
    assert "it is the lock" in refused(capsys, isp.parent, *args)
    lock.unlink()
    fresh = isp.parent / "fresh"  # neither the directory nor the lock exists yet
    args = ("export", str(isp), "--lock", str(fresh / "named.conf.zones"), "-f", "bind")
    assert "it is the lock" in refused(capsys, isp.parent, *args, "--dir", str(fresh))
    assert not fresh.exists()  # the directory made for the export is gone again


def test_dir_holding_the_plan_file_is_refused(
    isp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Re-exporting NetBox files read from the same directory would overwrite the input."""
    nb = isp.parent / "nb"
    assert run(capsys, "export", str(isp), "-f", "netbox-csv", "--dir", str(nb))[0] == 0
    prefixes = next(nb.glob("*-prefixes.csv"))
    err = refused(capsys, isp.parent, "export", str(prefixes), "-f", "netbox-csv", "--dir", str(nb))
    assert f"{prefixes.name}: it is the plan file" in err


def test_dir_beside_inputs_writes_normally(isp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The spec's own directory is fine when no file of the export is an input."""
    spec = isp.read_bytes()
    code, _, err = run(capsys, "export", str(isp), "-f", "frr", "--dir", str(isp.parent))
    assert code == 0, err
    assert (isp.parent / "frr-pe1.conf").exists() and isp.read_bytes() == spec


# -- -o FILE for a multi-file format ------------------------------------------------------------------
def test_bind_to_one_file_says_dir(isp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = isp.parent / "zones.txt"
    err = refused(capsys, isp.parent, "export", str(isp), "-f", "bind", "-o", str(target))
    assert "--dir DIR" in err and not target.exists()


@pytest.mark.parametrize("fmt", ["radvd", "frr"])
def test_several_router_files_to_one_file_say_dir(
    isp: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    target = isp.parent / f"{fmt}.conf"
    err = refused(capsys, isp.parent, "export", str(isp), "-f", fmt, "-o", str(target))
    assert "--dir DIR" in err and "--router NAME" in err and not target.exists()


@pytest.mark.parametrize("fmt", ["radvd", "frr"])
def test_one_router_to_one_file_is_that_file(
    isp: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    target = isp.parent / "pe1.conf"
    assert run(capsys, "export", str(isp), "-f", fmt, "--router", "pe1", "-o", str(target))[0] == 0
    directory = isp.parent / "all"
    assert run(capsys, "export", str(isp), "-f", fmt, "--dir", str(directory))[0] == 0
    assert target.read_text() == (directory / f"{fmt}-pe1.conf").read_text()  # no header line
    code, out, _ = run(capsys, "export", str(isp), "-f", fmt)  # stdout: every file, named
    assert code == 0 and out.count("---- file: ") == len(list(directory.iterdir()))


def test_netbox_to_one_file_is_the_prefix_import_and_says_so(
    isp: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = isp.parent / "prefixes.csv"
    code, _, err = run(capsys, "export", str(isp), "-f", "netbox-csv", "-o", str(target))
    assert code == 0 and target.read_text().startswith("prefix,vrf,tenant,")
    assert "prefix import alone" in err and "--dir DIR" in err


# -- free --lock ------------------------------------------------------------------------------------
def test_free_honours_the_lock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "net.yaml"
    spec.write_text(
        "prefix: 2001:db8::/32\nchildren:\n  - {name: a, size: /48}\n  - {name: b, size: /48}\n"
    )
    lock = tmp_path / "elsewhere.lock.json"
    assert run(capsys, "plan", str(spec), "--lock", str(lock))[0] == 0
    spec.write_text("prefix: 2001:db8::/32\nchildren:\n  - {name: b, size: /48}\n")
    # with the lock, b stays at 2001:db8:1::/48 and a's old block is free again
    code, out, _ = run(capsys, "free", str(spec), "--lock", str(lock), "--length", "48")
    assert code == 0 and out.splitlines()[:2] == ["2001:db8::/48", "2001:db8:2::/48"]
    code, out, _ = run(capsys, "free", str(spec), "--length", "48")  # no lock: b moves up
    assert code == 0 and out.splitlines()[0] == "2001:db8:1::/48"
