"""Time `neisheng import-snapshot` of a snapshot folder into an empty, migrated database,
as a whole process (wall clock and peak memory of the process), on PostgreSQL and SQLite.

Each run gets a fresh database already migrated (copied from a template migrated once),
so the figure is the load, not the migrations. With --stages a second process runs
transfers.services.snapshot_import with a progress callback and prints the time of each
stage (validation, each table's rows, building the indexes and foreign keys, commit).

Usage:
  PYTHONPATH=src .venv/bin/python benchmarks/import_snapshot.py SNAPSHOT_DIR \\
      [--postgres postgres://neisheng:neisheng@127.0.0.1:5432/bench_import] [--sqlite] [--stages]
  SNAPSHOT_DIR: e.g. `neisheng synth --households 100000 --seed 1 --out DIR`, or the
  1,000,000-household one benchmarks/monitor.py writes. The PostgreSQL role needs
  CREATEDB; databases <name> and <name>_tmpl are (re)created, nothing else is touched.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
STAGES_CHILD = r"""
import json, os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neisheng.web.settings")
import django
django.setup()
from neisheng.transfers.services import snapshot_import
marks = [("start", time.perf_counter())]
def progress(stage, done, total):
    if not marks or marks[-1][0] != stage:
        marks.append((stage, time.perf_counter()))
counts = snapshot_import(directory=sys.argv[1], progress=progress)
marks.append(("end (commit done)", time.perf_counter()))
print(json.dumps({"marks": marks, "counts": counts}))
"""


def neisheng() -> str:
    return str(Path(sys.executable).parent / "neisheng")


class Measured:
    def __init__(self, wall: float, peak_gb: float, cpu: float, server_cpu: float | None, out: str):
        self.wall, self.peak_gb, self.cpu, self.server_cpu, self.out = wall, peak_gb, cpu, server_cpu, out


def run_measured(command: list[str], env: dict, database: str | None = None) -> Measured:
    """Wall seconds, peak resident GB and CPU seconds of this child process, and with
    `database` (a PostgreSQL URL) the CPU seconds of the server process serving it, read
    from /proc while it runs (the server on this machine; parallel index-build workers
    not counted). CPU seconds say what the wall would be on an idle machine."""
    import threading

    server = {}
    done = threading.Event()

    def watch():
        import psycopg

        name = urlsplit(database).path.lstrip("/")
        with psycopg.connect(with_database(database, "postgres"), autocommit=True) as con:
            while not done.wait(0.2):
                for (pid,) in con.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s "
                                          "AND backend_type = 'client backend'", [name]).fetchall():
                    try:
                        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    except OSError:
                        continue
                    server[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    watcher = threading.Thread(target=watch, daemon=True) if database else None
    if watcher:
        watcher.start()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, env=env, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        done.set()
        if watcher:
            watcher.join()
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{err.read()[-3000:]}")
        return Measured(wall, usage.ru_maxrss / 1024 ** 2, usage.ru_utime + usage.ru_stime,
                        sum(server.values()) if database else None, out.read())


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def migrations_digest(src: Path) -> str:
    """What the migrations of `src` are: a template migrated by other ones is stale."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(src.glob("neisheng/*/migrations/*.py")):
        digest.update(str(path.relative_to(src)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def postgres_fresh(url: str, env: dict, src: Path) -> str:
    """A fresh migrated database <name> (from <name>_tmpl, migrated once per set of
    migrations); its URL."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    template = f"{name}_tmpl"
    admin = with_database(url, "postgres")
    digest = migrations_digest(src)
    with psycopg.connect(admin, autocommit=True) as con:
        found = con.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                            [template]).fetchone()
        fresh = found is None or found[0] != digest
        if fresh:
            con.execute(f'DROP DATABASE IF EXISTS "{template}"')
            con.execute(f'CREATE DATABASE "{template}"')
    if fresh:
        subprocess.run([sys.executable, "-m", "django", "migrate", "-v", "0"], check=True,
                       env={**env, "DATABASE_URL": with_database(url, template),
                            "DJANGO_SETTINGS_MODULE": "neisheng.web.settings"})
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f"COMMENT ON DATABASE \"{template}\" IS '{digest}'")
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}"')
        con.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return url


def sqlite_fresh(home: Path, template: Path, env: dict) -> None:
    if not template.exists():
        template.mkdir(parents=True)
        subprocess.run([sys.executable, "-m", "django", "migrate", "-v", "0"], check=True,
                       env={**env, "NEISHENG_HOME": str(template), "DJANGO_SETTINGS_MODULE": "neisheng.web.settings"})
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(template, home)


def stages_table(out: str) -> list[str]:
    result = json.loads(out.strip().splitlines()[-1])
    marks = result["marks"]
    rows = []
    for (stage, at), (_next, until) in itertools.pairwise(marks):
        label = {"start": "start to validation (reading)"}.get(stage, stage)
        rows.append(f"| {label} | {until - at:.1f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", type=Path)
    parser.add_argument("--postgres", help="postgres://user:pass@host:port/NAME (NAME is recreated)")
    parser.add_argument("--sqlite", action="store_true", help="also load into a fresh SQLite database")
    parser.add_argument("--stages", action="store_true", help="also time each stage (a second load)")
    parser.add_argument("--src", type=Path, default=ROOT / "src",
                        help="the neisheng sources to run (e.g. an older revision's, from git archive)")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(args.src)}
    env.pop("DATABASE_URL", None)
    rows = []
    stage_rows = {}
    with tempfile.TemporaryDirectory(prefix="neisheng-bench-import-") as tmp:
        targets = []
        if args.postgres:
            targets.append(("PostgreSQL", {"DATABASE_URL": args.postgres}))
        if args.sqlite:
            targets.append(("SQLite", {}))
        for label, extra in targets:
            run_env = {**env, **extra, "NEISHENG_HOME": str(Path(tmp) / "home")}

            def fresh(run_env=run_env, label=label):
                if label == "PostgreSQL":
                    postgres_fresh(args.postgres, run_env, args.src)
                else:
                    sqlite_fresh(Path(run_env["NEISHENG_HOME"]), Path(tmp) / "sqlite-template", run_env)

            fresh()
            database = args.postgres if label == "PostgreSQL" else None
            run = run_measured([neisheng(), "import-snapshot", str(args.snapshot)], run_env, database)
            print(run.out.strip(), file=sys.stderr)
            server = f"{run.server_cpu:.1f} s" if run.server_cpu is not None else "(in process)"
            rows.append(f"| {label} | {run.wall:.1f} s | {run.peak_gb:.2f} GB | {run.cpu:.1f} s | {server} |")
            if args.stages:
                fresh()
                run = run_measured([sys.executable, "-c", STAGES_CHILD, str(args.snapshot)], run_env)
                stage_rows[label] = stages_table(run.out)
    print(f"`neisheng import-snapshot {args.snapshot}` into an empty migrated database "
          f"(whole process; git {git_revision()}):\n")
    print("| database | wall | peak memory | CPU, neisheng | CPU, database server |\n|---|---:|---:|---:|---:|")
    print("\n".join(rows))
    for label, table in stage_rows.items():
        print(f"\nStages on {label} (seconds, snapshot_import's progress callback):\n")
        print("| stage | s |\n|---|---:|")
        print("\n".join(table))


def git_revision() -> str:
    try:
        return subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


if __name__ == "__main__":
    main()
