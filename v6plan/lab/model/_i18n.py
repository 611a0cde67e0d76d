"""Trainee-facing texts in message catalogues, one YAML file per language.

The engine's catalogue is ``v6plan/lab/model/messages/<lang>.yaml``; each lab has its own in
``labs/<lab>/messages/<lang>.yaml`` (task, hints, pass messages). English is complete;
any key a language lacks falls back to English, so a partial translation still works.
Placeholders are ``{name}`` (names may hold dots: ``{h1.eth0}``); unknown ones stay as
written so a translator's typo is visible, never a crash.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["ENGINE_MESSAGES", "Messages", "fill", "language", "placeholders", "plain"]

ENGINE_MESSAGES = Path(__file__).resolve().parent / "messages"
DEFAULT = "en"
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_][A-Za-z0-9_.:/-]*)\}")
_LANG = re.compile(r"^[a-z]{2,3}$")


def language(explicit: str | None = None) -> str:
    """The trainee's language: --lang, else V6LAB_LANG, LC_ALL, LC_MESSAGES, LANG."""
    candidates: list[str | None] = [explicit] if explicit else []
    candidates += [os.environ.get(k) for k in ("V6LAB_LANG", "LC_ALL", "LC_MESSAGES", "LANG")]
    for raw in candidates:
        if not raw:
            continue
        code = raw.split(".")[0].split("_")[0].split("-")[0].lower()
        if code in ("c", "posix"):
            return DEFAULT
        if _LANG.match(code):
            return code
    return DEFAULT


#: Drawing characters and symbols a screen reader reads badly (or a plain terminal lacks),
#: and what ``--plain`` prints instead. Letters of any script stay as they are.
_PLAIN = str.maketrans(
    {
        "─": "-",
        "━": "-",
        "═": "=",
        "│": "|",
        "║": "|",
        "╲": "\\",
        "╱": "/",
        "→": "->",
        "←": "<-",
        "∉": "not in",
        "≥": ">=",
        "≤": "<=",
        "✓": "[ok]",
        "✗": "[x]",
        "·": "-",
    }
)


def plain(text: str) -> str:
    """Text for ``--plain``: no box drawing or symbols, words and ASCII instead."""
    return text.translate(_PLAIN)


def placeholders(template: str) -> list[str]:
    return _PLACEHOLDER.findall(template)


def fill(template: str, params: Mapping[str, object]) -> str:
    """Replace ``{name}`` by ``params[name]``; leave unknown names as written."""

    def one(match: re.Match[str]) -> str:
        value = params.get(match.group(1))
        return match.group(0) if value is None else str(value)

    return _PLACEHOLDER.sub(one, template)


def _flatten(data: Any, prefix: str, out: dict[str, str]) -> None:
    if isinstance(data, dict):
        for key, value in data.items():
            _flatten(value, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(data, str):
        out[prefix] = data.rstrip("\n")
    elif data is not None:
        out[prefix] = str(data)


def load_catalogue(path: Path) -> dict[str, str]:
    """A catalogue file as ``{dotted.key: text}``; problems raise SpecError with places."""
    from ._yaml import Reader

    reader = Reader(path)
    root = reader.load("message catalogue")
    data = reader.plain(root)
    reader.done()
    out: dict[str, str] = {}
    _flatten(data, "", out)
    return out


class Messages:
    """Texts for one language, with English underneath; lab catalogues over the engine's."""

    def __init__(self, lang: str = DEFAULT, dirs: tuple[Path, ...] = ()) -> None:
        self.lang = lang
        self.texts: dict[str, str] = {}
        self.english: dict[str, str] = {}
        for directory in (ENGINE_MESSAGES, *dirs):
            english = directory / f"{DEFAULT}.yaml"
            if english.is_file():
                self.english.update(load_catalogue(english))
            own = directory / f"{lang}.yaml"
            if lang != DEFAULT and own.is_file():
                self.texts.update(load_catalogue(own))

    def get(self, key: str) -> str | None:
        return self.texts.get(key) or self.english.get(key)

    def has(self, key: str) -> bool:
        return self.get(key) is not None

    def text(self, key: str, params: Mapping[str, object] | None = None, **more: object) -> str:
        template = self.get(key)
        if template is None:
            return key
        merged: dict[str, object] = dict(params or {})
        merged.update(more)
        return fill(template, merged)
