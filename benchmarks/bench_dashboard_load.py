"""Load test of the dashboard: concurrent simulated users on the loopback interface.

Usage: ``uv run python benchmarks/bench_dashboard_load.py [--users 20] [--duration 30]
[--think 1.0] [--seed 0] [--workers 2] [--json results.json] [--url http://127.0.0.1:PORT/]``

Without ``--url`` the script starts the dashboard itself (``python -m ncrealism.app``, with
``--workers`` server processes: by default one per processor core, at most 2) on
127.0.0.1 at a free port, reading the data mirror (``NCR_DATA_MIRROR``, else
``<repo>/../shared/data``; downloads off) and the context-event file
(``<NCR_SHARED_DIR or <repo>/../shared>/history/context_events_1990_2009.csv``), waits until it
serves, and stops it (that process only) at the end. ``--url`` must point at the loopback
interface; nothing else is contacted.

Each simulated user does what a person at the page does, until ``--duration`` seconds are over:

1. loads the page (``GET /``; on its first visit also every script and style sheet the page
   names, as a browser without a cache would);
2. opens the Shiny session (the ``/websocket/`` connection) and sends the page's start-up inputs
   (:func:`ncrealism.app.dashboard.initial_inputs`) with the client data a browser sends: pixel
   ratio, location, and which outputs are hidden (those on the tabs not shown; the server
   starts a tab, and computes its outputs, when it is first shown); it waits until every
   output of the Decision tab has arrived;
3. makes up to ``--actions`` moves, each after a think time drawn uniformly from
   [0.5, 1.5] x ``--think`` seconds: with probability 0.15 it switches between the Decision and
   the Negotiation tab (the first visit computes that tab's outputs); on the Decision tab, with
   probability 0.15, it chooses another state among those the state list offers in the year
   shown, and waits until every output of the Decision tab for that state has arrived, its
   time series included (not the "computing" note shown meanwhile), and the server is idle;
   otherwise it moves a slider of the tab it is on, to a random step within the slider's
   bounds (a perception parameter; or an input of the negotiation what-if), and waits until
   the outputs that depend on it (probabilities, anatomy and filter table; or the negotiation
   summary and figures) have arrived and the server is idle;
4. closes the session and starts again at 1.

As a browser does, a user sends back the inputs the server moves (the sliders set to a new
state's profile), when their value changed, as soon as the server asks.

A state switch is a *first visit* (``state_first``) the first time that state is asked for in
the run, by any user (the server computes a state's data once and shares it between sessions;
the state the page opens on is computed before the server serves); later switches to it are
*revisits* (``state_revisit``). With several server processes a revisit may reach a process
that has not computed the state yet.

Random choices use one ``numpy.random.Generator`` per user, seeded with ``(seed, user)``.

A response time is the wall time from sending a request to receiving its last byte (page,
asset) or its last expected output (session start, moves). An error is any HTTP status other
than 200, a connection failure or unexpected close, an output error reported by the server,
or no complete response within ``--timeout`` seconds. The report gives, per kind of request and
for all interactive moves together, the count, errors, p50, p95 and maximum (nearest-rank
percentiles); "control changes" are the slider, what-if and tab moves and state revisits,
"all moves" those and first visits to a state. It exits with status 1 if there was any error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import numpy as np

REPO = Path(__file__).resolve().parents[1]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
#: What a move must bring back before it counts as answered.
DECISION_OUTPUTS = ("posture_table", "posture_chart", "anatomy_chart", "filter_table")
WHATIF_OUTPUTS = ("neg_summary", "zone_chart", "durability_chart")
#: What a state switch must bring back: every output of the Decision tab but the dynamic card
#: (a note for states without a coded record).
STATE_OUTPUTS = (*DECISION_OUTPUTS, "headline", "environment", "threat_chart", "series_chart")
#: Outputs whose value counts only once it holds no "computing" note (id in the HTML).
PENDING = {"series_chart": "series-pending"}
SWITCH_PROBABILITY = 0.15
STATE_PROBABILITY = 0.15
#: Kinds of interactive move; control changes leave out first visits to a state.
CONTROLS = ("slider", "whatif", "tab", "state_revisit")
MOVES = (*CONTROLS, "state_first")


# ------------------------------------------------------------------------------ measurements
@dataclass
class Stats:
    """Response times (seconds) and errors by kind of request."""

    times: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def ok(self, kind: str, seconds: float) -> None:
        self.times.setdefault(kind, []).append(seconds)

    def fail(self, kind: str, why: str) -> None:
        self.errors.setdefault(kind, []).append(why)

    def n_errors(self) -> int:
        return sum(len(v) for v in self.errors.values())


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0-100) of a non-empty list."""
    s = sorted(values)
    k = max(1, math.ceil(q / 100 * len(s)))
    return s[k - 1]


def summary(stats: Stats) -> list[dict[str, Any]]:
    rows = []
    kinds = sorted(set(stats.times) | set(stats.errors))
    groups = [(k, [k]) for k in kinds]
    for label, members in (("controls", CONTROLS), ("all moves", MOVES)):
        present = [k for k in members if k in kinds]
        if present:
            groups.append((label, present))
    for label, ks in groups:
        t = [x for k in ks for x in stats.times.get(k, [])]
        e = sum(len(stats.errors.get(k, [])) for k in ks)
        rows.append(
            {
                "kind": label,
                "requests": len(t) + e,
                "errors": e,
                "p50_ms": 1000 * percentile(t, 50) if t else None,
                "p95_ms": 1000 * percentile(t, 95) if t else None,
                "max_ms": 1000 * max(t) if t else None,
            }
        )
    return rows


# ------------------------------------------------------------------------------ HTTP
async def http_get(url: str, timeout: float) -> tuple[int, bytes]:
    """A plain HTTP/1.1 GET (Connection: close) on the loopback; returns (status, body)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query

    async def go() -> tuple[int, bytes]:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n"
                "Accept-Encoding: identity\r\n\r\n".encode()
            )
            await writer.drain()
            raw = await reader.read()
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
        head, _, body = raw.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
        if b"transfer-encoding: chunked" in head.lower():
            body = dechunk(body)
        return status, body

    return await asyncio.wait_for(go(), timeout)


def dechunk(body: bytes) -> bytes:
    out = bytearray()
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        body = rest[size + 2 :]
    return bytes(out)


def page_assets(html: str, base: str) -> list[str]:
    """The scripts and style sheets a page names (same origin only)."""
    refs = re.findall(r'<script[^>]+src="([^"]+)"', html)
    refs += re.findall(r'<link[^>]+href="([^"]+\.css[^"]*)"', html)
    urls = [urljoin(base, r) for r in refs]
    origin = urlsplit(base).netloc
    return [u for u in urls if urlsplit(u).netloc == origin]


# ------------------------------------------------------------------------------ a user
@dataclass(frozen=True)
class Plan:
    """What every user sends: start-up inputs, slider specs, timing."""

    url: str
    start_inputs: dict[str, Any]
    params: list[tuple[str, float, float, float]]  # input id, lo, hi, step
    whatif: list[str]  # input ids of the negotiation sliders
    tab_outputs: dict[str, tuple[str, ...]]  # the outputs of each tab
    states: tuple[int, ...]  # the states offered in the start year (COW codes)
    actions: int
    think: float
    timeout: float


def visibility(plan: Plan, tab: str) -> dict[str, bool]:
    """The hidden flags a browser sends when ``tab`` is the active tab."""
    return {
        f".clientdata_output_{out}_hidden": name != tab
        for name, outs in plan.tab_outputs.items()
        for out in outs
    }


def client_data(plan: Plan) -> dict[str, Any]:
    """What a browser adds to its start-up message: pixel ratio, location, visibility."""
    parts = urlsplit(plan.url)
    data: dict[str, Any] = {
        ".clientdata_pixelratio": 1,
        ".clientdata_url_protocol": "http:",
        ".clientdata_url_hostname": parts.hostname,
        ".clientdata_url_port": str(parts.port or ""),
        ".clientdata_url_pathname": "/",
        ".clientdata_url_search": "",
        ".clientdata_url_hash_initial": "",
        ".clientdata_url_hash": "",
        ".clientdata_singletons": "",
        ".clientdata_allowDataUriScheme": True,
    }
    data.update(visibility(plan, "decision"))
    return data


class ShinySession:
    """A Shiny websocket session: send inputs, wait for outputs.

    After each message the server runs what the new inputs invalidated ("busy" ... "idle")
    and then sends the new output values (possibly none) in one message, with the input
    updates it asks for (``inputMessages``), which are sent back when they change a value, as
    a browser does.
    """

    def __init__(self, ws: Any, timeout: float) -> None:
        self.ws = ws
        self.timeout = timeout
        self.busy = False
        self.inputs: dict[str, Any] = {}
        self.received: set[str] = set()  # outputs that have had a value in this session

    async def wait_for(self, outputs: set[str]) -> list[str]:
        """Receive until a values message has come, the server is idle, and every output in
        ``outputs`` has a value (not a "computing" note, :data:`PENDING`) or an error;
        returns the output errors reported."""
        seen: set[str] = set()
        errors: list[str] = []
        got_values = False
        while not (got_values and not self.busy and outputs <= seen):
            msg = json.loads(await self.ws.recv())
            if "busy" in msg:
                self.busy = msg["busy"] == "busy"
            if "values" in msg or "errors" in msg:
                got_values = True
                for name, value in (msg.get("values") or {}).items():
                    marker = PENDING.get(name)
                    if marker is None or marker not in json.dumps(value):
                        seen.add(name)
                    else:
                        seen.discard(name)
                errs = msg.get("errors") or {}
                seen |= set(errs)
                self.received |= seen
                errors += [f"{k}: {v.get('message', v)}" for k, v in errs.items()]
            if await self.echo(msg.get("inputMessages") or []):
                got_values = False  # the server answers the values sent back, too
        return errors

    async def echo(self, messages: list[dict[str, Any]]) -> bool:
        """Send back the input values the server set, where they changed (as a browser);
        True when something was sent."""
        changed = {}
        for m in messages:
            body = m.get("message") or {}
            if "value" in body and self.inputs.get(m["id"]) != body["value"]:
                changed[m["id"]] = body["value"]
        if changed:
            self.inputs.update(changed)
            await self.ws.send(json.dumps({"method": "update", "data": changed}))
        return bool(changed)

    async def request(self, payload: dict[str, Any], outputs: set[str]) -> list[str]:
        self.inputs.update(
            {k: v for k, v in payload["data"].items() if not k.startswith(".clientdata")}
        )
        await self.ws.send(json.dumps(payload))
        return await asyncio.wait_for(self.wait_for(outputs), self.timeout)


async def user(
    index: int, plan: Plan, stats: Stats, deadline: float, seed: int, visited: set[int]
) -> None:
    from websockets.asyncio.client import connect

    rng = np.random.default_rng([seed, index])
    ws_url = plan.url.replace("http://", "ws://", 1).rstrip("/") + "/websocket/"
    first_visit = True
    while time.monotonic() < deadline:
        t0 = time.perf_counter()
        try:
            status, body = await http_get(plan.url, plan.timeout)
        except (OSError, TimeoutError) as exc:
            stats.fail("page", f"GET /: {exc!r}")
            await asyncio.sleep(plan.think)
            continue
        if status != 200:
            stats.fail("page", f"GET / -> {status}")
            await asyncio.sleep(plan.think)
            continue
        stats.ok("page", time.perf_counter() - t0)
        if first_visit:
            for asset in page_assets(body.decode("utf-8", "replace"), plan.url):
                t0 = time.perf_counter()
                try:
                    st, _ = await http_get(asset, plan.timeout)
                except (OSError, TimeoutError) as exc:
                    stats.fail("asset", f"{asset}: {exc!r}")
                    continue
                if st == 200:
                    stats.ok("asset", time.perf_counter() - t0)
                else:
                    stats.fail("asset", f"{asset} -> {st}")
            first_visit = False
        try:
            await session(plan, stats, rng, ws_url, deadline, connect, visited)
        except Exception as exc:  # a failed connection or protocol error counts, never stops
            stats.fail("session", repr(exc))
            await asyncio.sleep(plan.think)


async def session(
    plan: Plan,
    stats: Stats,
    rng: np.random.Generator,
    ws_url: str,
    deadline: float,
    connect: Any,
    visited: set[int],
) -> None:
    """One session: start-up, then moves (``visited``: the states asked for so far in the
    run, by any user)."""
    t0 = time.perf_counter()
    async with connect(ws_url, open_timeout=plan.timeout, close_timeout=5, max_size=2**24) as ws:
        sh = ShinySession(ws, plan.timeout)
        init = {"method": "init", "data": {**plan.start_inputs, **client_data(plan)}}
        try:
            errs = await sh.request(init, set(plan.tab_outputs["decision"]))
        except TimeoutError:
            stats.fail("session_start", "timeout")
            return
        if errs:
            stats.fail("session_start", "; ".join(errs))
        else:
            stats.ok("session_start", time.perf_counter() - t0)
        tab, visited = "decision", {"decision"}
        for _ in range(plan.actions):
            await asyncio.sleep(float(rng.uniform(0.5, 1.5)) * plan.think)
            if time.monotonic() >= deadline:
                return
            if rng.random() < SWITCH_PROBABILITY:
                tab = "negotiation" if tab == "decision" else "decision"
                # A tab's outputs not yet received are computed when it is first shown.
                outputs = set() if tab in visited else set(plan.tab_outputs[tab]) - sh.received
                visited.add(tab)
                kind, what = "tab", f"tab {tab}"
                payload = {"method": "update", "data": {"tabs": tab, **visibility(plan, tab)}}
            elif tab == "decision" and rng.random() < STATE_PROBABILITY:
                state = plan.states[int(rng.integers(len(plan.states)))]
                kind = "state_revisit" if state in visited else "state_first"
                visited.add(state)
                outputs, what = set(STATE_OUTPUTS), f"state={state}"
                payload = {"method": "update", "data": {"state": str(state)}}
            elif tab == "decision":
                name, lo, hi, step = plan.params[int(rng.integers(len(plan.params)))]
                value = round(lo + step * int(rng.integers(round((hi - lo) / step) + 1)), 10)
                kind, outputs, what = "slider", set(DECISION_OUTPUTS), f"{name}={value}"
                payload = {"method": "update", "data": {name: value}}
            else:
                name = plan.whatif[int(rng.integers(len(plan.whatif)))]
                value = round(0.01 * int(rng.integers(101)), 10)
                kind, outputs, what = "whatif", set(WHATIF_OUTPUTS), f"{name}={value}"
                payload = {"method": "update", "data": {name: value}}
            t0 = time.perf_counter()
            try:
                errs = await sh.request(payload, outputs)
            except TimeoutError:
                stats.fail(kind, f"{what}: timeout")
                return
            if errs:
                stats.fail(kind, f"{what}: " + "; ".join(errs))
            else:
                stats.ok(kind, time.perf_counter() - t0)


# ------------------------------------------------------------------------------ the server
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def shared_dir() -> Path:
    env = os.environ.get("NCR_SHARED_DIR")
    return Path(env) if env else REPO.parent / "shared"


@contextlib.contextmanager
def dashboard_server(startup_timeout: float, workers: int = 1) -> Iterator[str]:
    """Start ``python -m ncrealism.app`` on a free loopback port; stop it afterwards."""
    mirror = os.environ.get("NCR_DATA_MIRROR") or str(shared_dir() / "data")
    context = shared_dir() / "history" / "context_events_1990_2009.csv"
    if not Path(mirror).is_dir():
        sys.exit(f"no data mirror at {mirror}; set NCR_DATA_MIRROR")
    if not context.is_file():
        sys.exit(f"no context-event file at {context}; set NCR_SHARED_DIR")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="ncr-bench-") as cache:
        env = {
            **os.environ,
            "NCR_DATA_MIRROR": mirror,
            "NCR_OFFLINE": "1",
            "NCR_CACHE_DIR": cache,
        }
        cmd = [sys.executable, "-m", "ncrealism.app", "--host", "127.0.0.1", "--port",
               str(port), "--context", str(context), "--workers", str(workers)]  # fmt: skip
        log = Path(cache) / "server.log"
        with log.open("w") as out:
            proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
            url = f"http://127.0.0.1:{port}/"
            try:
                wait_ready(url, proc, startup_timeout, log)
                yield url
            finally:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGINT)
                    try:
                        proc.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait(timeout=15)


def wait_ready(url: str, proc: subprocess.Popen[bytes], timeout: float, log: Path) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            sys.exit(f"the dashboard exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError, TimeoutError, asyncio.TimeoutError):
            status, _ = asyncio.run(http_get(url, 5.0))
            if status == 200:
                return
        time.sleep(0.5)
    sys.exit(f"the dashboard did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


# ------------------------------------------------------------------------------ main
def build_plan(url: str, args: argparse.Namespace) -> Plan:
    """The start-up inputs and slider specs, from the dashboard's own definitions."""
    from ncrealism.app.dashboard import (
        TAB_OUTPUTS,
        initial_inputs,
        neg_input_id,
        param_input_id,
        slider_step,
    )
    from ncrealism.app.data import DashboardData, case_value_keys
    from ncrealism.data.fetch import DataSource
    from ncrealism.perception.filter import PARAMS

    mirror = os.environ.get("NCR_DATA_MIRROR") or str(shared_dir() / "data")
    with tempfile.TemporaryDirectory(prefix="ncr-bench-plan-") as cache:
        source = DataSource(mirror=Path(mirror), cache_root=Path(cache), allow_download=False)
        data = DashboardData.create(source)
        start = initial_inputs(data)
        keys = case_value_keys(data.case(start["case"]))
        offered = data.state_choices(int(start["year"]))
    states = tuple(int(k) for group in offered.values() for k in group)
    params = [(param_input_id(p.name), p.lo, p.hi, slider_step(p.lo, p.hi)) for p in PARAMS]
    return Plan(
        url=url,
        start_inputs=start,
        params=params,
        whatif=[neg_input_id(k) for k in keys],
        tab_outputs=dict(TAB_OUTPUTS),
        states=states,
        actions=args.actions,
        think=args.think,
        timeout=args.timeout,
    )


async def run(plan: Plan, users: int, duration: float, seed: int) -> tuple[Stats, float]:
    stats = Stats()
    start = time.monotonic()
    deadline = start + duration
    # The state the page opens on is computed before the server serves.
    visited = {int(plan.start_inputs["state"])}
    tasks = [
        asyncio.create_task(user(i, plan, stats, deadline, seed, visited)) for i in range(users)
    ]
    # Every request ends within its timeout, so the run ends by deadline + timeout per step.
    await asyncio.wait_for(asyncio.gather(*tasks), duration + 4 * plan.timeout)
    return stats, time.monotonic() - start


def check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        sys.exit(f"--url must be on the loopback interface (127.0.0.1), not {host!r}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=20, help="concurrent users (1-200)")
    ap.add_argument("--duration", type=float, default=30.0, help="seconds of load (1-600)")
    ap.add_argument("--think", type=float, default=1.0, help="mean think time between moves, s")
    ap.add_argument("--actions", type=int, default=10, help="moves per session before reload")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds before a request fails")
    ap.add_argument("--seed", type=int, default=0, help="seed of the users' random choices")
    ap.add_argument("--url", help="a dashboard already running on 127.0.0.1 (default: start one)")
    ap.add_argument("--startup-timeout", type=float, default=180.0)
    ap.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="server processes of the dashboard started here (default: cores, at most 2)",
    )
    ap.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    args = ap.parse_args(argv)
    if not (1 <= args.users <= 200 and 1 <= args.duration <= 600 and args.actions >= 1):
        sys.exit("--users must be in 1-200, --duration in 1-600 s, --actions >= 1")
    with contextlib.ExitStack() as stack:
        if args.url:
            check_loopback(args.url)
            url = args.url
        else:
            url = stack.enter_context(dashboard_server(args.startup_timeout, args.workers))
        plan = build_plan(url, args)
        stats, elapsed = asyncio.run(run(plan, args.users, args.duration, args.seed))
    rows = summary(stats)
    print(
        f"dashboard load test: {args.users} users, {args.duration:g} s of load (ran {elapsed:.1f} "
        f"s), think time {args.think:g} s, seed {args.seed}, {len(plan.states)} states offered, "
        f"{url}" + ("" if args.url else f", {args.workers} server process(es)")
    )
    load = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} / {load[1]:.1f} / "
        f"{load[2]:.1f} (1 / 5 / 15 min) at the end of the run"
    )
    print(f"{'kind':<14}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for r in rows:
        cells = [f"{r[k]:9.0f}" if r[k] is not None else f"{'-':>9}"
                 for k in ("p50_ms", "p95_ms", "max_ms")]  # fmt: skip
        print(f"{r['kind']:<14}{r['requests']:>9}{r['errors']:>8}{''.join(cells)}")
    n_err = stats.n_errors()
    print(f"errors: {n_err}")
    for kind, whys in stats.errors.items():
        for why in whys[:5]:
            print(f"  {kind}: {why}")
    if args.json:
        meta = {"users": args.users, "duration_s": args.duration, "think_s": args.think,
                "seed": args.seed, "elapsed_s": elapsed, "cpu_count": os.cpu_count(),
                "workers": args.workers, "load_average": os.getloadavg()}  # fmt: skip
        payload = {"settings": meta, "results": rows, "errors": stats.errors}
        args.json.write_text(json.dumps(payload, indent=2))
    return 1 if n_err else 0


if __name__ == "__main__":
    sys.exit(main())
