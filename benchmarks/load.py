"""Bounded loopback load test: simulated users reading and editing at once.

Builds a fresh demo county (`neisheng demo --no-serve`) in a temporary NEISHENG_HOME,
starts `neisheng serve` on 127.0.0.1 on a free port, signs in N users (one session
each) and lets them read and edit at once, through the real server: the household list,
household pages, API reads, form saves and API PUTs; with --imports, also uploads applied
whole. Each user edits households of its own. It stops by itself after --requests
requests or --seconds seconds, checks that every save is present (the last value each
user wrote is the value the API reads back), and prints requests, errors and the median
and 95th percentile per kind. Exit code 1 when any request failed (status outside 2xx
and 3xx, or a connection error) or a save went missing.

Usage:
  python benchmarks/load.py [--users 20] [--households 2000] [--requests 2000 | --seconds 60]
  python benchmarks/load.py --database-url postgres://neisheng:neisheng@127.0.0.1:5432/postgres

With --database-url the demo is built on SQLite, then loaded into a PostgreSQL database
`neisheng_load` on that server (created, and dropped afterwards; never another name),
which the server then uses. Only loopback addresses are used.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
PASSWORD = "load-test-pw-2026-neisheng"
COUNTY = "500237"
LOAD_DATABASE = "neisheng_load"
BIN = Path(sys.executable).parent
KINDS = ("list", "page", "api_get", "form_save", "api_put")


# --------------------------------------------------------------------------- the server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _run(args: list[str], env: dict) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


USERS_SCRIPT = f"""
from neisheng.web.config import setup_django
setup_django()
from neisheng.accounts.services import demo_users_create
demo_users_create(county_code={COUNTY!r}, password={PASSWORD!r})
"""


def _base_env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NEISHENG_PRODUCTION")}
    env["NEISHENG_HOME"] = str(home)
    return env


def _postgres_url(server_url: str, database: str) -> str:
    parts = urllib.parse.urlsplit(server_url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"--database-url must name a loopback server, not {parts.hostname}")
    return urllib.parse.urlunsplit(parts._replace(path=f"/{database}"))


def _postgres_admin(server_url: str, statement: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(server_url)
    maintenance = parts.path.lstrip("/") or "postgres"
    if maintenance == LOAD_DATABASE:
        maintenance = "postgres"
    with psycopg.connect(_postgres_url(server_url, maintenance), autocommit=True) as conn:
        conn.execute(statement)


def prepare(home: Path, households: int, database_url: str | None = None) -> dict:
    """A demo county with one login per role (password PASSWORD); returns the server's
    environment. With `database_url`, the county is moved into PostgreSQL."""
    env = _base_env(home)
    _run([str(BIN / "neisheng"), "demo", "--households", str(households), "--no-serve", "--home", str(home)], env)
    if database_url:
        _postgres_admin(database_url, f"DROP DATABASE IF EXISTS {LOAD_DATABASE}")
        _postgres_admin(database_url, f"CREATE DATABASE {LOAD_DATABASE}")
        env["DATABASE_URL"] = _postgres_url(database_url, LOAD_DATABASE)
        _run([str(BIN / "neisheng"), "import-snapshot", str(home / "demo-snapshot")], env)
    _run([sys.executable, "-c", USERS_SCRIPT], env)
    return env


@contextmanager
def server(env: dict):
    """`neisheng serve` on a free loopback port for the duration; yields its base URL."""
    port = _free_port()
    log = open(Path(env["NEISHENG_HOME"]) / "serve.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen([str(BIN / "neisheng"), "serve", "--host", HOST, "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT,
                               # Its own process group: the worker processes and the
                               # background-job worker end with it, whatever state it is in.
                               start_new_session=True)
    base = f"http://{HOST}:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=10).close()
                break
            # A server still starting on a busy machine may accept and then answer late.
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start: see " + log.name) from None
                time.sleep(0.2)
        yield base
    finally:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            # A worker still busy with a slow request keeps a graceful stop waiting.
            _signal_group(process, signal.SIGKILL)
            process.wait()
        log.close()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


# --------------------------------------------------------------------------- a user


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Response:
    status: int
    body: bytes
    seconds: float
    location: str = ""

    def json(self):
        return json.loads(self.body)


class User:
    """One browser: its own session cookie, CSRF token, no redirects followed."""

    def __init__(self, base: str, username: str = "county", password: str = PASSWORD):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect)
        self.request("GET", "/accounts/login/")
        signed_in = self.request("POST", "/accounts/login/", form={"username": username, "password": password})
        if signed_in.status != 302:
            raise RuntimeError(f"sign-in as {username} failed ({signed_in.status})")

    def csrf(self) -> str:
        return next((c.value for c in self.cookies if c.name == "csrftoken"), "")

    def request(self, method: str, path: str, *, form: dict | None = None, payload: dict | None = None,
                files: dict | None = None) -> Response:
        headers = {"X-CSRFToken": self.csrf(), "Referer": self.base + "/"}
        body = None
        if form is not None and files is None:
            body = urllib.parse.urlencode({**form, "csrfmiddlewaretoken": self.csrf()}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif files is not None:
            body, headers["Content-Type"] = _multipart({**(form or {}), "csrfmiddlewaretoken": self.csrf()}, files)
        elif payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            with self.opener.open(urllib.request.Request(self.base + path, data=body, headers=headers,
                                                         method=method), timeout=120) as answer:
                status, content, location = answer.status, answer.read(), ""
        except urllib.error.HTTPError as error:
            status, content, location = error.code, error.read(), error.headers.get("Location", "")
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            status, content, location = 0, str(error).encode(), ""
        return Response(status, content, time.perf_counter() - started, location)


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: text/csv\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


FORM_FIELDS = ("status", "category", "housing", "water", "poverty_cause", "lifted_year", "willingness",
               "sudden_event")
FLAGS = ("food_clothing_ok", "cooperative_member", "industry_linked", "credit_access",
         "participates_village_affairs")


def next_willingness(current: int) -> int:
    """Another value on the 1–5 scale, so that every save is a change."""
    return current % 5 + 1


def form_data(household: dict, **changes) -> dict:
    """The edit form as a browser posts it, from the API's view of the household."""
    data = {"village": household["village"], "version": household["version"]}
    data |= {name: "" if household[name] is None else household[name] for name in FORM_FIELDS}
    data |= {name: "on" for name in FLAGS if household[name]}
    data |= changes
    return data


@dataclass
class Tally:
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    written: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, kind: str, response: Response, ok=None, what: str = "") -> None:
        ok = (200 <= response.status < 400) if ok is None else ok
        with self.lock:
            self.seconds[kind].append(response.seconds)
            self.statuses[response.status] += 1
            if not ok:
                self.errors.append(f"{kind} {what}: {response.status} {response.body[:200]!r}")


def one_step(user: User, kind: str, household_id: str, tally: Tally, rng: random.Random) -> None:
    """One thing a user does; saves write a new willingness and remember it."""
    if kind == "list":
        tally.note(kind, user.request("GET", "/households/" + rng.choice(["", "?status=lifted", "?q=5002"])))
    elif kind == "page":
        tally.note(kind, user.request("GET", f"/households/{household_id}/"), what=household_id)
    elif kind == "api_get":
        tally.note(kind, user.request("GET", f"/api/households/{household_id}/"), what=household_id)
    else:
        read = user.request("GET", f"/api/households/{household_id}/")
        tally.note("api_get", read, what=household_id)
        if read.status != 200:
            return
        household = read.json()
        value = next_willingness(household["willingness"])
        if kind == "form_save":
            saved = user.request("POST", f"/households/{household_id}/edit/",
                                 form=form_data(household, willingness=value))
            # A refused form is shown again (200); only the redirect means saved.
            tally.note(kind, saved, ok=saved.status == 302, what=household_id)
        else:
            household["willingness"] = value
            saved = user.request("PUT", f"/api/households/{household_id}/", payload=household)
            tally.note(kind, saved, ok=saved.status == 200, what=household_id)
        if saved.status in (200, 302):
            with tally.lock:
                tally.written[household_id] = value


def households_of(home: Path) -> list[str]:
    import pyarrow.parquet as pq

    return sorted(pq.read_table(home / "demo-snapshot" / "households.parquet",
                                columns=["household_id"])["household_id"].to_pylist())


def run(base: str, household_ids: list[str], *, users: int, requests: int | None, seconds: float | None,
        kinds: tuple[str, ...] = KINDS, weights: tuple[int, ...] | None = None, seed: int = 7) -> Tally:
    """`users` threads, each signed in as its own session, until `requests` requests
    were started or `seconds` passed. User i edits only households i, i+users, …"""
    tally = Tally()
    sessions = [User(base) for _ in range(users)]
    counter = iter(range(10**9))
    counter_lock = threading.Lock()
    deadline = time.monotonic() + seconds if seconds else None
    start = threading.Barrier(users)

    def work(index: int) -> None:
        rng = random.Random(seed + index)
        mine = household_ids[index::users]
        start.wait()
        while True:
            with counter_lock:
                n = next(counter)
            if (requests is not None and n >= requests) or (deadline and time.monotonic() > deadline):
                return
            kind = rng.choices(kinds, weights=weights)[0]
            one_step(sessions[index], kind, rng.choice(mine), tally, rng)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def verify(base: str, tally: Tally) -> list[str]:
    """Every household's last save is what the API reads back."""
    reader = User(base)
    lost = []
    for household_id, value in sorted(tally.written.items()):
        answer = reader.request("GET", f"/api/households/{household_id}/")
        if answer.status != 200 or answer.json()["willingness"] != value:
            lost.append(f"{household_id}: wrote willingness {value}, read {answer.body[:120]!r}")
    return lost


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(tally: Tally, lost: list[str], elapsed: float, label: str) -> str:
    total = sum(len(v) for v in tally.seconds.values())
    statuses = dict(sorted(tally.statuses.items()))
    heading = (f"{label}: {total} requests in {elapsed:.1f} s ({total / elapsed:.1f}/s), "
               f"errors {len(tally.errors)}, lost saves {len(lost)}, statuses {statuses}")
    lines = [heading, f"  {'kind':<10} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"]
    for kind in sorted(tally.seconds):
        values = tally.seconds[kind]
        lines.append(f"  {kind:<10} {len(values):>6} {statistics.median(values) * 1000:>8.0f} "
                     f"{percentile(values, 0.95) * 1000:>8.0f} {max(values) * 1000:>8.0f}")
    for problem in (tally.errors + lost)[:10]:
        lines.append("  ! " + problem)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=2000, help="stop after this many requests")
    parser.add_argument("--seconds", type=float, default=None, help="stop after this long instead")
    parser.add_argument("--database-url", default=None,
                        help=f"a loopback PostgreSQL server (the database {LOAD_DATABASE} is created and dropped)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary NEISHENG_HOME")
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="neisheng-load-"))
    label = "PostgreSQL" if args.database_url else "SQLite"
    try:
        started = time.perf_counter()
        env = prepare(home, args.households, args.database_url)
        print(f"demo county of {args.households} households ready in {time.perf_counter() - started:.1f} s "
              f"({label}, {home})", flush=True)
        ids = households_of(home)
        with server(env) as base:
            started = time.perf_counter()
            tally = run(base, ids, users=args.users, requests=None if args.seconds else args.requests,
                        seconds=args.seconds, weights=(2, 3, 3, 1, 1))
            elapsed = time.perf_counter() - started
            lost = verify(base, tally)
        print(report(tally, lost, elapsed, f"{label}, {args.users} users"))
        return 1 if tally.errors or lost else 0
    finally:
        if args.database_url:
            _postgres_admin(args.database_url, f"DROP DATABASE IF EXISTS {LOAD_DATABASE} WITH (FORCE)")
        if not args.keep:
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
