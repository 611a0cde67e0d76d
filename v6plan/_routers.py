"""Which router serves which node: ``router:`` in the spec, a name or a per-instance template.

``router: pe1`` names one router for the node and everything below it. ``router:
"bng-{parent}"`` makes one name per instance of the node, from the instance's own name,
its 1-based index among its siblings or its parent's name, so a ``count: 40`` region
does not have to be written out forty times. The spec reader checks a template with
:func:`template_problem`; the exports and lint read the names through :func:`own_router`
and :func:`serving`, so every reader expands a template the same way.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._plan import Plan

__all__ = [
    "NAME",
    "ROUTER_KEYS",
    "expand",
    "inherited",
    "is_template",
    "lookup",
    "own_router",
    "serving",
    "template_problem",
]

#: Placeholders a ``router:`` template may use.
ROUTER_KEYS = ("name", "index", "parent")
#: A router name: the rule of node names (it becomes a host, interface and file name).
NAME = re.compile(r"^[^\W_][\w.+-]{0,62}$")


def template_problem(text: str) -> str:
    """What is wrong with a ``router:`` template, or "" when it is usable."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:  # Python's words ("Single '}' encountered…") are not the user's
        return "a '{' or '}' without its pair (braces go around a placeholder only)"
    shape: list[str] = []
    for literal, field, spec, conversion in parts:
        shape.append(literal)
        if field is None:
            continue
        if field not in ROUTER_KEYS:
            return f"{{{field}}} is not a placeholder it may use"
        if spec or conversion:
            return f"write the placeholder as {{{field}}}, without a format or conversion"
        shape.append("x")  # a name starts with a letter or digit and uses name characters
    if not NAME.match("".join(shape)):
        return "the text around the placeholders makes no usable router name"
    return ""


@lru_cache(maxsize=256)
def is_template(text: str) -> bool:
    """A ``router:`` the spec reader accepted as a template. A name with braces that came
    another way (a plan built in code) is a name, not a template, and is refused where a
    router name must be one."""
    return "{" in text and not template_problem(text)


def expand(template: str, name: str, index: int, parent: str) -> str:
    """The router name a template makes for one instance (``index`` 0-based)."""
    if not is_template(template):
        return template
    return template.format_map({"name": name, "index": index + 1, "parent": parent})


def own_router(plan: Plan, i: int) -> str:
    """The router node ``i`` names itself (its ``router:``, expanded), or ""."""
    text = plan.kinds[plan.kind[i]].router
    if not is_template(text):
        return text
    parent = plan.parent[i]
    return expand(text, plan.name[i], plan.index[i], plan.name[parent] if parent >= 0 else "")


def inherited(plan: Plan, i: int) -> str:
    """The router serving node ``i``: its own, else the nearest ancestor's."""
    while i >= 0:
        own = own_router(plan, i)
        if own:
            return own
        i = plan.parent[i]
    return ""


def lookup(plan: Plan) -> Callable[[int], str]:
    """:func:`inherited` for many nodes asked out of order, each ancestor's answer kept: the
    LANs of a million-node plan share a few thousand parents."""
    memo: dict[int, str] = {-1: ""}
    parent = plan.parent

    def router(i: int) -> str:
        chain: list[int] = []
        while i not in memo:
            own = own_router(plan, i)
            if own:
                memo[i] = own
                break
            chain.append(i)
            i = parent[i]
        found = memo[i]
        for j in chain:
            memo[j] = found
        return found

    return router


def serving(plan: Plan, top: int) -> Iterator[tuple[int, str, bool]]:
    """``(node, router, named here)`` for every node under ``top`` in plan order: the router
    is the node's own else its nearest ancestor's, and ``named here`` says the router
    changes at this node (the level that maps to it). One pass with a stack."""
    kinds, kind, end = plan.kinds, plan.kind, plan.end
    own = [k.router for k in kinds]
    templated = [is_template(r) for r in own]
    base = inherited(plan, plan.parent[top]) if top > 0 else ""
    stack: list[tuple[int, str]] = []
    for i in range(top, end[top]):
        while stack and stack[-1][0] <= i:
            stack.pop()
        above = stack[-1][1] if stack else base
        k = kind[i]
        r = (own_router(plan, i) if templated[k] else own[k]) or above
        if end[i] > i + 1:
            stack.append((end[i], r))
        yield i, r, bool(r) and (r != above or i == top)
