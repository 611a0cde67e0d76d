"""The wheel: what an installed v6plan carries (labs, topologies, examples, both commands)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from _support import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    build = ["wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)]
    proc = subprocess.run(  # hatchling comes with the test extra: nothing is downloaded
        [sys.executable, "-m", "pip", *build], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    (found,) = out.glob("v6plan-*.whl")
    return found


def test_the_wheel_carries_labs_topologies_and_examples(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for lab in (ROOT / "labs").iterdir():
        assert f"v6plan/_bundled/labs/{lab.name}/lab.yaml" in names, lab.name
    for topo in (ROOT / "topologies").glob("*.yaml"):
        assert f"v6plan/_bundled/topologies/{topo.name}" in names
    assert "v6plan/_bundled/examples/government.yaml" in names
    assert "v6plan/tui/templates/app_index.html" in names  # v6plan serve's offline page
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "v6plan = v6plan.cli:main" in text and "v6lab = v6plan.lab.cli:main" in text


def test_an_installed_copy_finds_its_labs(wheel: Path, tmp_path: Path) -> None:
    """Unpack the wheel alone on sys.path (no checkout beside it): v6lab lists the labs."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from v6plan.lab.model._labfile import lab_dirs, topology_dirs;"
        "print(lab_dirs()[-1]); print(topology_dirs()[-1])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(site)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    labs, topologies = (Path(line) for line in out.stdout.split())
    assert (
        labs == site / "v6plan" / "_bundled" / "labs"
        and (labs / "01-notation" / "lab.yaml").exists()
    )
    assert topologies == site / "v6plan" / "_bundled" / "topologies" and any(
        topologies.glob("*.yaml")
    )
