"""`v6plan sync`'s core without a server: the diff (pure, property-tested), the plan's objects
(the NetBox export's mapping), the token rules and the HTTP client against a stdlib server
on loopback (pagination, retries, refusals, the token never in a message)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from _support import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from v6plan._errors import InputError
from v6plan.cli._plan import load_plan
from v6plan.sync._client import Client, IpamError, check_url, read_token
from v6plan.sync._diff import ORDER, SHARED, Change, Held, Record, apply, diff, writes
from v6plan.sync._objects import plan_objects

OWNER = "2001:db8::/32"
OTHER = "3fff::/20"

# -- the diff: properties ---------------------------------------------------------------------
kinds = st.sampled_from(ORDER)
keys = st.sampled_from([f"k{i}" for i in range(8)])
values = st.one_of(st.none(), st.sampled_from(["", "a", "b"]), st.integers(0, 3), st.booleans())
field_maps = st.dictionaries(st.sampled_from(["status", "role", "description"]), values, max_size=3)


@st.composite
def records(draw: Any) -> list[Record]:
    out = []
    for kind, key in draw(st.lists(st.tuples(kinds, keys), max_size=12, unique=True)):
        marker = "" if kind in SHARED else f"{OWNER} {draw(st.sampled_from(['p', 'q']))}"
        out.append(Record(kind, key, draw(field_maps), marker))
    return out


@st.composite
def helds(draw: Any) -> list[Held]:
    out = []
    for n, (kind, key) in enumerate(draw(st.lists(st.tuples(kinds, keys), max_size=12))):
        marker = draw(st.sampled_from([None, f"{OWNER} p", f"{OWNER} q", f"{OTHER} p"]))
        out.append(Held(kind, key, draw(field_maps), f"id-{n}", marker))
    return out


def _unmanaged(held: list[Held]) -> list[Held]:
    return [h for h in held if h.kind not in SHARED and (h.marker or "").split(" ")[0] != OWNER]


@settings(max_examples=300, deadline=None)
@given(records(), helds(), st.booleans())
def test_a_diff_after_its_apply_is_empty(
    desired: list[Record], held: list[Held], prune: bool
) -> None:
    after = apply(held, diff(desired, held, OWNER, prune=prune))
    again = diff(desired, after, OWNER, prune=prune)
    assert writes(again) == 0, [c for c in again if c.action in ("create", "update", "prune")]


@settings(max_examples=300, deadline=None)
@given(records(), helds(), st.booleans())
def test_objects_v6plan_does_not_manage_are_never_touched(
    desired: list[Record], held: list[Held], prune: bool
) -> None:
    changes = diff(desired, held, OWNER, prune=prune)
    untouchable = {h.id for h in _unmanaged(held)}
    assert not [c for c in changes if c.id in untouchable and c.action in ("update", "prune")]
    after = {h.id: h for h in apply(held, changes)}
    for h in _unmanaged(held):
        assert after[h.id] == h


@settings(max_examples=200, deadline=None)
@given(records(), helds())
def test_only_prune_removes_and_only_what_left_the_plan_or_a_duplicate(
    desired: list[Record], held: list[Held]
) -> None:
    assert not [c for c in diff(desired, held, OWNER) if c.action == "prune"]
    wanted = {(r.kind, r.key) for r in desired}
    changes = diff(desired, held, OWNER, prune=True)
    kept = {c.id for c in changes if c.action in ("update", "unchanged")}
    for c in changes:
        if c.action == "prune":
            assert c.kind not in SHARED and c.id not in kept
    # afterwards each planned key is held once by this plan: a duplicate went, not the one
    after = apply(held, changes)
    ours = [
        (h.kind, h.key)
        for h in after
        if h.kind not in SHARED and (h.marker or "").startswith(f"{OWNER} ")
    ]
    assert len(ours) == len(set(ours)) and set(ours) <= wanted


def test_creations_follow_dependency_order_and_removals_run_backwards() -> None:
    desired = [
        Record("prefix", "2001:db8::/48", {}, f"{OWNER} a"),
        Record("role", "lan", {}),
        Record("site", "north", {}, f"{OWNER} north"),
    ]
    held = [
        Held("prefix", "2001:db8:1::/48", {}, "1", f"{OWNER} x"),
        Held("prefix", "2001:db8:1::/64", {}, "2", f"{OWNER} x/y"),
        Held("ip-address", "2001:db8:1::1/128", {}, "3", f"{OWNER} x/y/z"),
    ]
    changes = diff(desired, held, OWNER, prune=True)
    assert [(c.action, c.kind) for c in changes] == [
        ("create", "role"),
        ("create", "site"),
        ("create", "prefix"),
        ("prune", "ip-address"),
        ("prune", "prefix"),
        ("prune", "prefix"),
    ]
    assert [c.key for c in changes if c.kind == "prefix" and c.action == "prune"] == [
        "2001:db8:1::/64",
        "2001:db8:1::/48",
    ]


def test_an_update_sends_only_the_changed_fields_and_blank_equals_none() -> None:
    desired = [Record("prefix", "p", {"status": "active", "role": None, "description": "x"}, "o a")]
    held = [Held("prefix", "p", {"status": "reserved", "role": "", "description": "x"}, "7", "o a")]
    (change,) = diff(desired, held, "o")
    assert change == Change(
        "update", "prefix", "p", {"status": "active"}, {"status": "reserved"}, id="7"
    )


def test_a_hand_made_object_with_a_planned_key_is_left_alone() -> None:
    desired = [Record("prefix", "p", {"status": "active"}, "o a")]
    held = [Held("prefix", "p", {"status": "reserved"}, "7", None)]
    (change,) = diff(desired, held, "o", prune=True)
    assert change.action == "foreign" and writes([change]) == 0


# -- the plan's objects -----------------------------------------------------------------------
def test_the_objects_are_the_netbox_exports(tmp_path: Any) -> None:
    from v6plan.export import ExportOptions
    from v6plan.export._netbox import _Bundle

    plan = load_plan(str(ROOT / "examples" / "isp-core.yaml"))
    objects = plan_objects(plan, {})
    bundle = _Bundle(plan, ExportOptions(settings={"netbox-version": "4.5.5"}))
    expected = {t.name: len(list(t.rows())) for t in bundle.tables() if t.count}
    assert {name: len(rows) for name, rows in objects.tables.items()} == expected
    assert objects.owner == plan.prefix_text(0)
    loopback = next(r for r in objects.tables["ip-addresses"] if r["role"] == "loopback")
    assert objects.marker(str(loopback["address"])).startswith(f"{objects.owner} ")
    assert "/" in objects.marker(str(loopback["address"])).split(" ", 1)[1]


def test_an_unknown_setting_is_refused() -> None:
    plan = load_plan(str(ROOT / "examples" / "campus.yaml"))
    with pytest.raises(InputError, match="--set vrf"):
        plan_objects(plan, {"vrf": "x"})


# -- the token and the URL --------------------------------------------------------------------
def test_the_token_comes_from_a_file_or_the_environment(tmp_path: Any) -> None:
    f = tmp_path / "token"
    f.write_text("abc123\n")
    assert read_token(str(f), {}) == "abc123"
    assert read_token(None, {"V6PLAN_IPAM_TOKEN": "xyz"}) == "xyz"
    with pytest.raises(InputError, match="V6PLAN_IPAM_TOKEN"):
        read_token(None, {})
    with pytest.raises(InputError, match="--token-file: cannot read") as caught:
        read_token(str(tmp_path / "s3cret"), {})
    assert "s3cret" not in str(caught.value)  # a token typed in place of the path
    f.write_text("two words")
    with pytest.raises(InputError, match="one line"):
        read_token(str(f), {})


@pytest.mark.parametrize("url", ["ftp://x", "netbox.example", "http://u:p@h/", "http://h/?a=1"])
def test_a_url_that_is_not_a_server_is_refused(url: str) -> None:
    with pytest.raises(InputError):
        check_url(url)


def test_the_url_loses_a_trailing_api() -> None:
    assert check_url("https://nb.example/api/") == "https://nb.example"


# -- the client against a loopback server -----------------------------------------------------
class _Server:
    """A tiny HTTP server on loopback whose answers the test scripts."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, Any]] = []
        self.seen: list[tuple[str, str, dict[str, str], Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length)) if length else None
                outer.seen.append((self.command, self.path, dict(self.headers), body))
                code, data = outer.answers.pop(0) if outer.answers else (200, {})
                if code == 0:  # no answer in time
                    time.sleep(float(data))
                    code, data = 200, {}
                raw = json.dumps(data).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_PATCH = do_DELETE = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[_Server]:
    s = _Server()
    yield s
    s.close()


def _client(server: _Server, token: str = "s3cret-token") -> tuple[Client, list[float]]:
    slept: list[float] = []
    return Client(server.url, token, sleep=slept.append), slept


def test_pages_are_followed_on_the_same_server(server: _Server) -> None:
    server.answers = [
        (200, {"results": [{"id": 1}], "next": f"{server.url}/api/x/?limit=1&offset=1"}),
        (200, {"results": [{"id": 2}], "next": None}),
    ]
    client, _ = _client(server)
    assert [o["id"] for o in client.get_all("/api/x/")] == [1, 2]
    assert server.seen[0][2]["Authorization"] == "Token s3cret-token"


def test_a_next_link_to_another_server_is_refused(server: _Server) -> None:
    server.answers = [(200, {"results": [], "next": "http://192.0.2.1/api/x/?offset=1"})]
    client, _ = _client(server)
    with pytest.raises(IpamError, match="another server"):
        list(client.get_all("/api/x/"))
    assert len(server.seen) == 1


def test_a_busy_server_is_retried_with_backoff(server: _Server) -> None:
    server.answers = [(503, {}), (502, {}), (200, {"ok": True})]
    client, slept = _client(server)
    assert client.request("GET", "/api/status/") == {"ok": True}
    assert slept == [0.5, 1.0]


def test_bulk_writes_go_in_batches_and_are_counted(server: _Server) -> None:
    from v6plan.sync import _client as module

    server.answers = [(201, [{"id": i} for i in range(module.BATCH)]), (201, [{"id": "last"}])]
    client, _ = _client(server)
    created = client.bulk("POST", "/api/x/", [{"n": i} for i in range(module.BATCH + 1)])
    assert len(created) == module.BATCH + 1 and client.writes == module.BATCH + 1
    assert [len(s[3]) for s in server.seen] == [module.BATCH, 1]


def test_a_wrong_token_is_one_clear_message_without_the_token(server: _Server) -> None:
    server.answers = [(403, {"detail": "Invalid token"})]
    client, _ = _client(server, "s3cret-token")
    with pytest.raises(IpamError) as caught:
        client.request("GET", "/api/status/")
    assert "refused the token" in str(caught.value) and "Invalid token" in str(caught.value)
    assert "s3cret-token" not in str(caught.value)


def test_a_server_that_is_down_is_retried_then_named() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    slept: list[float] = []
    client = Client(f"http://127.0.0.1:{port}", "t", sleep=slept.append)
    with pytest.raises(IpamError, match=r"cannot reach .* is the server up"):
        client.request("GET", "/api/status/")
    assert len(slept) == 4


# -- the command's refusals (before any request) ------------------------------------------------
CAMPUS = str(ROOT / "examples" / "campus.yaml")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--nautobot", "http://127.0.0.1:9"], "no API token"),
        (["--nautobot", "ftp://127.0.0.1:9", "--token-file", "{token}"], "not an http"),
        (
            ["--netbox", "http://127.0.0.1:9", "--token-file", "{token}", "--set", "vrf=x"],
            "--set vrf",
        ),
        (["--netbox", "http://127.0.0.1:9", "--token-file", "{token}", "--set", "x"], "KEY=VALUE"),
    ],
)
def test_bad_input_is_exit_2_with_one_line(
    argv: list[str], message: str, tmp_path: Any, capsys: Any, monkeypatch: Any
) -> None:
    from v6plan.cli import main

    monkeypatch.delenv("V6PLAN_IPAM_TOKEN", raising=False)
    token = tmp_path / "token"
    token.write_text("t")
    code = main(["sync", CAMPUS, *[a.replace("{token}", str(token)) for a in argv]])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_the_token_is_never_an_option(capsys: Any) -> None:
    from v6plan.cli import main

    with pytest.raises(SystemExit):
        main(["sync", CAMPUS, "--nautobot", "http://127.0.0.1:9", "--token", "abc"])
    assert "unrecognized arguments: --token" in capsys.readouterr().err


def test_the_table_and_the_json_show_every_kind_of_change() -> None:
    from v6plan.sync._run import SyncResult, render, to_json

    changes = diff(
        [
            Record(
                "prefix", "2001:db8::/48", {"status": "active", "description": "a"}, f"{OWNER} a"
            ),
            Record("prefix", "2001:db8:1::/48", {"status": "active"}, f"{OWNER} b"),
        ],
        [
            Held("prefix", "2001:db8:1::/48", {"status": "reserved"}, "1", f"{OWNER} b"),
            Held("prefix", "2001:db8:2::/48", {}, "2", f"{OWNER} c"),
            Held("prefix", "2001:db8:3::/48", {}, "3", None),
        ],
        OWNER,
        prune=True,
    )
    result = SyncResult("Nautobot", "3.2.7", "http://127.0.0.1:1", OWNER, changes)
    text = render(result)
    assert "+ prefix     2001:db8::/48  a" in text
    assert "~ prefix     2001:db8:1::/48  (status: reserved → active)" in text
    assert "- prefix     2001:db8:2::/48" in text and "· prefix     2001:db8:3::/48" in text
    assert "dry run: nothing sent; --apply sends these 3 writes" in text
    data = to_json(result)
    assert data["counts"]["prefix"] == {"create": 1, "update": 1, "prune": 1, "other": 1}
    assert [c["action"] for c in data["changes"]] == ["create", "update", "prune", "other"]
    assert data["changes"][1]["old"] == {"status": "reserved"}


def test_a_write_refused_midway_says_how_far_it_got_and_that_a_rerun_finishes() -> None:
    from v6plan.sync._dialect import Dialect
    from v6plan.sync._run import sync

    class Refusing(Dialect):
        product = "Nautobot"

        def desired(self, objects: Any) -> list[Record]:
            return [Record("prefix", f"2001:db8:{n:x}::/48", {}, f"{OWNER} n") for n in range(5)]

        def read(self, objects: Any, desired: list[Record]) -> list[Held]:
            return []

        def apply(self, changes: list[Change], done: Any) -> None:
            self.client.writes = 3
            raise IpamError("POST /api/ipam/prefixes/: HTTP 400: {'prefix': ['duplicate']}")

    plan = load_plan(CAMPUS)
    dialect = Refusing(Client("http://127.0.0.1:9", "t"), "3.2.7")
    with pytest.raises(IpamError) as caught:
        sync(plan, dialect, {}, apply=True)
    text = str(caught.value)
    assert "HTTP 400" in text and "stopped after 3 of 5 writes" in text
    assert "run the same command again to finish" in text


@pytest.mark.parametrize("spec", ["isp-core.yaml", "campus.yaml"])
def test_depth_keeps_the_containers_and_drops_the_leaves_with_what_hangs_on_them(
    spec: str,
) -> None:
    plan = load_plan(str(ROOT / "examples" / spec))
    full = plan_objects(plan, {})
    deepest = max(plan.depth)
    for depth in range(deepest):
        part = plan_objects(plan, {}, depth)
        kept = {str(r["prefix"]) for r in part.tables["prefixes"]}
        wanted = {
            plan.prefix_text(i)
            for i in range(len(plan))
            if plan.depth[i] <= depth and plan.role(i) != "host"
        }
        assert wanted <= kept
        assert all(k in wanted or k.endswith("/127") for k in kept)
        groups = {r["group"] for r in part.tables.get("vlans", [])}
        assert {r["name"] for r in part.tables.get("vlan-groups", [])} == groups
        for row in part.tables.get("vlans", []):
            assert str(row["description"]).count("/") < depth
    assert len(plan_objects(plan, {}, deepest).tables["prefixes"]) == len(full.tables["prefixes"])
    assert plan_objects(plan, {}, 0).tables["prefixes"] == [full.tables["prefixes"][0]]
    assert len(plan_objects(plan, {}, 1).tables["prefixes"]) < len(full.tables["prefixes"])


def test_a_write_without_an_answer_is_not_retried_and_says_to_run_again(server: _Server) -> None:
    server.answers = [(0, 1.0)]
    slept: list[float] = []
    client = Client(server.url, "t", timeout=0.3, sleep=slept.append)
    with pytest.raises(IpamError, match="may have applied it — run the same command again"):
        client.request("POST", "/api/ipam/prefixes/", [{"prefix": "2001:db8::/48"}])
    assert slept == [] and [s[0] for s in server.seen] == ["POST"]
