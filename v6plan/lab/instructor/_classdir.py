"""Writing a planned class to its directory: per-trainee variant files and handouts, the
instructor's answer keys, manifest and class sheet — into a temporary sibling, then moved
into place, so a failure leaves nothing half-written."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..._prefix import format_prefix
from .._errors import LabError
from ._variants import ClassPlan, TraineeVariant

__all__ = ["make_class", "manifest", "variant_yaml"]


# -- writing the class directory ---------------------------------------------------------------------
def variant_yaml(v: TraineeVariant) -> str:
    """The trainee's variant file: what ``v6lab start --variant`` reads, plus the key
    that signs their result (derived from the instructor's secret; useless for others)."""
    t = v.trainee
    name = json.dumps(t.name, ensure_ascii=False)
    return (
        f"# v6lab variant of {v.lab} for {t.name}.\n"
        f"# Start the lab with:  v6lab start {v.lab} --variant {v.lab}.variant.yaml\n"
        f"# Hand in:             v6lab check --report {t.id}-{v.lab}.json\n"
        "# The key signs your result file; it is yours alone: do not share this file.\n"
        f"variant: {t.id}\n"
        f"trainee: {name}\n"
        f"lab: {v.lab}\n"
        f"prefix: {v.prefix_text}\n"
        f"seed: {v.seed}\n"
        f"class: {v.identity['class']}\n"
        f'key: "{v.key.hex()}"\n'
    )


def manifest(plan: ClassPlan, secret_path: str) -> dict[str, Any]:
    """``instructor/class.json``: what grading trusts (ids, labs, points, prefixes), and
    which secret the keys come from (its path and fingerprint, never the secret)."""
    from ._secrets import MANIFEST_FORMAT, secret_id

    labs = []
    for lab in plan.labs:
        run = plan.variants[(plan.trainees[0].id, lab.name)].run
        checks = [{"id": c.id, "type": c.type, "points": c.points} for c in run.checks()]
        labs.append(
            {
                "name": lab.name,
                "title": lab.title(),
                "checks": checks,
                "total": sum(c["points"] for c in checks),  # type: ignore[misc]
            }
        )
    trainees = []
    for t in plan.trainees:
        variants = {}
        for lab in plan.labs:
            v = plan.variants[(t.id, lab.name)]
            variants[lab.name] = {
                "prefix": v.prefix_text,
                "seed": v.seed,
                "lang": v.lang,
                "variant_file": f"trainees/{t.id}/{lab.name}.variant.yaml",
            }
        trainees.append(
            {
                "id": t.id,
                "name": t.name,
                "lang": t.lang,
                "email": t.email,
                "group": t.group,
                "roster_line": t.line,
                "extra": dict(t.extra),
                "variants": variants,
            }
        )
    return {
        "format": MANIFEST_FORMAT,
        "class": plan.class_id,
        "seed": plan.seed,
        "pool": format_prefix(*plan.pool),
        "secret": secret_path,
        "secret_id": secret_id(plan.secret),
        "labs": labs,
        "trainees": trainees,
    }


def make_class(
    plan: ClassPlan,
    out: Path,
    secret_path: Path | None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Write the class directory (into a temporary sibling, then moved into place, so a
    failure leaves nothing half-written); return the manifest."""
    from ._secrets import os_reason

    own_secret = out / "instructor" / "secret.key"
    if secret_path is not None and secret_path.resolve() == own_secret.resolve():
        secret_path = None  # the class's own secret: written again into the new directory
    _check_out(out, force, keep=own_secret)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        raise LabError(f"cannot write the class into {out}: {os_reason(exc)}") from None
    try:
        data = _write_class(tmp, plan, secret_path, progress)
        _move_into_place(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise LabError(f"cannot write the class into {out}: {os_reason(exc)}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return data


def _check_out(out: Path, force: bool, keep: Path) -> None:
    """Refuse an ``--out`` that is a file, holds files without ``--force``, or holds a
    file this command reads (a roster, a ``--secret``): replacing the directory would
    delete it. ``keep`` (the class's own secret) is written again, so it may be there."""
    from ..._errors import InputError
    from ..._io import check_not_input

    if out.exists() and not out.is_dir():
        raise LabError(f"{out} is a file; --out needs a directory for the class")
    held = sorted(out.rglob("*")) if out.exists() else []
    if not [path for path in held if path not in (keep, keep.parent)]:
        return  # empty, or only the secret `--secret DIR/instructor/secret.key` just made
    if not force:
        what = "a class" if (out / "instructor" / "class.json").is_file() else "files"
        raise LabError(
            f"{out} already holds {what}; add --force to write it again "
            "(its secret is kept, so the keys stay the same), or choose another --out"
        )
    for path in held:
        if path.is_symlink() or not path.is_file() or path == keep:
            continue
        try:
            check_not_input(path)
        except InputError:
            raise LabError(
                f"refusing to replace {out}: it holds {path}, which this command reads (the "
                f"roster or the secret) and --force would delete; move it out of {out} first"
            ) from None


def _write_class(
    tmp: Path, plan: ClassPlan, secret_path: Path | None, progress: Callable[[str], None] | None
) -> dict[str, Any]:
    """Every file of the class into ``tmp``: the trainees' folders, then the instructor's."""
    from . import _handout
    from ._secrets import secret_text

    instructor = tmp / "instructor"
    instructor.mkdir(mode=0o700)
    if secret_path is None:
        (instructor / "secret.key").write_text(secret_text(plan.secret), encoding="utf-8")
        os.chmod(instructor / "secret.key", 0o600)
        recorded = "secret.key"
    else:
        recorded = str(secret_path.resolve())
    data = manifest(plan, recorded)
    by_lab: dict[str, list[TraineeVariant]] = {}
    for t in plan.trainees:
        folder = tmp / "trainees" / t.id
        folder.mkdir(parents=True)
        for lab in plan.labs:
            v = plan.variants[(t.id, lab.name)]
            by_lab.setdefault(lab.name, []).append(v)
            (folder / f"{lab.name}.variant.yaml").write_text(variant_yaml(v), encoding="utf-8")
            md, html = _handout.handout(v)
            (folder / f"{lab.name}.handout.md").write_text(md, encoding="utf-8")
            (folder / f"{lab.name}.handout.html").write_text(html, encoding="utf-8")
    if progress is not None:
        progress(f"wrote {len(plan.trainees)} trainee folders")
    answers = instructor / "answers"
    for lab_name, variants in by_lab.items():
        (answers / lab_name).mkdir(parents=True)
        for v in variants:
            (answers / lab_name / f"{v.trainee.id}.md").write_text(
                _handout.answer_key_md(v), encoding="utf-8"
            )
        (answers / f"{lab_name}.html").write_text(
            _handout.answer_keys_html(variants), encoding="utf-8"
        )
    (instructor / "class.json").write_text(
        json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (instructor / "class.csv").write_text(_handout.class_sheet_csv(plan), encoding="utf-8")
    (instructor / "class.html").write_text(_handout.class_sheet_html(plan), encoding="utf-8")
    (tmp / "README.txt").write_text(_readme(plan), encoding="utf-8")
    if progress is not None:
        progress("wrote the answer keys and the class sheet")
    return data


def _move_into_place(tmp: Path, out: Path) -> None:
    """Replace ``out`` by ``tmp`` with renames only: the old class is set aside until the
    new one is in place, so the directory is never half old, half new."""
    os.chmod(tmp, 0o755)
    if out.exists():
        old = out.with_name(f".{out.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)


def _readme(plan: ClassPlan) -> str:
    """The class directory's README: which folder to hand out, which to keep."""
    labs = " ".join(lab.name for lab in plan.labs)
    return (
        "A v6lab class (made by `v6lab variants`).\n\n"
        "trainees/<id>/   one folder per trainee: hand each trainee their own folder.\n"
        "                 <lab>.variant.yaml starts the lab with their prefix:\n"
        "                 v6lab start LAB --variant LAB.variant.yaml\n"
        "                 <lab>.handout.md and .html are their task sheet (print the .html).\n"
        "instructor/      YOURS ONLY — never hand it out:\n"
        "                 secret.key    derives every trainee's signing key\n"
        "                 class.json    the class, for `v6lab grade … --key instructor`\n"
        "                 class.csv, class.html   the class sheet (who has which prefix)\n"
        "                 answers/      an answer key per trainee and lab\n\n"
        f"labs: {labs}\n"
        f"seed: {plan.seed} · pool: {format_prefix(*plan.pool)} · class: {plan.class_id}\n"
        f"trainees: {len(plan.trainees)}\n"
    )
