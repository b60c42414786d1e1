"""Bounded loopback load test of the main pages on a large PostgreSQL registry (issue 17):
N signed-in users (default 50) read the home page, the household list (first page and
filtered by risk), household pages, the monitoring dashboard, the warning list and the
division tree, each waiting a think time between clicks as a person does, for --seconds
(default 120), through `neisheng serve` on 127.0.0.1. Prints requests, errors, and the
median and 95th percentile per page and over all; exit code 1 when any request failed
(a status outside 2xx/3xx or a connection error) or the overall p95 exceeds --goal-ms.

The database is one you loaded (e.g. `neisheng import-snapshot` of the 1,000,000-household
snapshot) into a database of your own; the script adds its users (county officers of the
first county, password below) and, when no finished run covers the county, runs
monitoring once. It writes nothing else.

Usage:
  DATABASE_URL=postgres://neisheng:neisheng@127.0.0.1:5432/bench_platform \\
      python benchmarks/pages_load.py [--users 50] [--seconds 120] [--think 2] [--workers 0] [--threads 8]
(--workers 0: `neisheng serve` as it starts by default; --workers N: N worker processes.)
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import PASSWORD, Tally, User, percentile, server

USERS_SCRIPT = """
import sys
from neisheng.web.config import setup_django
setup_django()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from neisheng.accounts.models import User
from neisheng.registry.models import Division, Household
from neisheng.monitoring.selectors import latest_run
county = Division.objects.filter(level=3).order_by("code").first()
users = int(sys.argv[1])
for i in range(users):
    user, _ = User.objects.get_or_create(username=f"load-county-{i}", defaults={"role": "county", "division": county})
    user.set_password(sys.argv[2]); user.role = "county"; user.division = county; user.save()
if latest_run(division_code=county.code) is None:
    import tempfile
    from neisheng.monitoring.services import monitoring_run
    with tempfile.TemporaryDirectory() as work:
        monitoring_run(year=2026, work_dir=work, division_code=county.code)
prefix = county.code[:6]
ids = list(Household.objects.filter(village__code__startswith=prefix).order_by("?").values_list("pk", flat=True)[:2000])
print(" ".join(ids))
"""

PAGES = {
    "home": (lambda rng, ids: "/", 3),
    "list": (lambda rng, ids: "/households/", 2),
    "list_red": (lambda rng, ids: "/households/?risk=red", 1),
    "household": (lambda rng, ids: f"/households/{rng.choice(ids)}/", 3),
    "dashboard": (lambda rng, ids: "/monitoring/", 2),
    "warnings": (lambda rng, ids: "/warnings/", 1),
    "divisions": (lambda rng, ids: "/divisions/", 1),
}


def prepare(env: dict, users: int) -> list[str]:
    done = subprocess.run([sys.executable, "-c", USERS_SCRIPT, str(users), PASSWORD], env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"preparing the users failed:\n{done.stderr[-3000:]}")
    return done.stdout.split()


def run(base: str, ids: list[str], *, users: int, seconds: float, think: float, seed: int = 7) -> Tally:
    tally = Tally()
    sessions = [User(base, f"load-county-{i}") for i in range(users)]
    names = list(PAGES)
    weights = [PAGES[n][1] for n in names]
    deadline = time.monotonic() + seconds
    start = threading.Barrier(users)

    def work(index: int) -> None:
        rng = random.Random(seed + index)
        start.wait()
        # Users arrive spread over one think time, not all in the same instant.
        time.sleep(rng.uniform(0, think))
        while time.monotonic() < deadline:
            name = rng.choices(names, weights=weights)[0]
            path = PAGES[name][0](rng, ids)
            tally.note(name, sessions[index].request("GET", path), what=path)
            time.sleep(rng.uniform(0.5 * think, 1.5 * think))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds between a user's clicks")
    parser.add_argument("--workers", type=int, default=0, help="worker processes of `neisheng serve` (0: default)")
    parser.add_argument("--threads", type=int, default=0, help="threads per worker (0: default)")
    parser.add_argument("--goal-ms", type=float, default=300)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if urllib.parse.urlsplit(url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("DATABASE_URL must name a database on a loopback PostgreSQL server")
    home = Path(tempfile.mkdtemp(prefix="neisheng-pages-load-"))
    env = {k: v for k, v in os.environ.items() if k != "NEISHENG_PRODUCTION"}
    env["NEISHENG_HOME"] = str(home)
    if args.workers:
        env["NEISHENG_WORKERS"] = str(args.workers)
    if args.threads:
        env["NEISHENG_THREADS"] = str(args.threads)
    ids = prepare(env, args.users)
    with server(env) as base:
        started = time.perf_counter()
        tally = run(base, ids, users=args.users, seconds=args.seconds, think=args.think)
        elapsed = time.perf_counter() - started
    every = [s for values in tally.seconds.values() for s in values]
    total = len(every)
    print(f"{args.users} users, think {args.think} s, workers {args.workers or 'default'}, "
          f"threads {args.threads or 'default'}: {total} requests in {elapsed:.0f} s ({total / elapsed:.1f}/s), "
          f"errors {len(tally.errors)}, statuses {dict(sorted(tally.statuses.items()))}")
    print(f"  {'page':<10} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name in [*PAGES, "all"]:
        values = every if name == "all" else tally.seconds.get(name, [])
        if values:
            print(f"  {name:<10} {len(values):>6} {statistics.median(values) * 1000:>8.0f} "
                  f"{percentile(values, 0.95) * 1000:>8.0f} {max(values) * 1000:>8.0f}")
    for problem in tally.errors[:10]:
        print("  ! " + problem)
    p95 = percentile(every, 0.95) * 1000 if every else float("inf")
    return 1 if tally.errors or p95 > args.goal_ms else 0


if __name__ == "__main__":
    raise SystemExit(main())
