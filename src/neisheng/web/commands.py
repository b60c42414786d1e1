"""CLI commands of the web platform (listed in neisheng.cli.COMMAND_MODULES).
Django is imported inside each command so other commands start fast."""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import click

from neisheng.console import UserError, cell, stderr_console, synthesize, width

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
SERVER_THREADS = 8
DEFAULT_WORKERS = 1


def _django(home: Path | None = None) -> None:
    from neisheng.web.config import setup_django

    if home is not None:
        os.environ["NEISHENG_HOME"] = str(home)
    setup_django()


def _refuse_weak_secret() -> None:
    """A server signs sessions with SECRET_KEY: never with a publicly known one, and in
    production never with a short or simple one (the settings refuse those too)."""
    from django.conf import settings

    from neisheng.web.config import KNOWN_SECRETS, secret_key_problem

    problem = secret_key_problem(settings.SECRET_KEY)
    if problem and (settings.PRODUCTION or settings.SECRET_KEY in KNOWN_SECRETS
                    or settings.SECRET_KEY.startswith("django-insecure-")):
        raise UserError(f"{problem}; 不能以此密钥启动服务 / the server will not start with this secret")


def _migrate_if_needed(say) -> None:
    from django.core.management import call_command
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections["default"])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        say("正在更新数据库结构 / applying database migrations …")
        call_command("migrate", interactive=False, verbosity=0)


def _bind(host: str, port: int, *, workers: int = 1, threads: int = SERVER_THREADS):
    """A server bound to host:port, or one clear sentence if it cannot be: waitress (one
    process, `threads` threads) for one worker, else gunicorn with `workers` processes of
    `threads` threads each on the socket bound here."""
    from django.conf import settings

    if settings.STATIC_ROOT:
        # Whitenoise warns about a missing collected-assets folder it was pointed at.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    if workers > 1:
        return _Workers(_listening(host, port), workers=workers, threads=threads)
    from waitress import create_server

    try:
        return create_server(_warmed_application(), host=host, port=port, threads=threads)
    except OSError as exc:
        raise _cannot_listen(host, port, exc) from exc


def _warmed_application():
    """The WSGI application with every view imported (the URL conf) and the pages' base
    templates compiled: otherwise the first request after a start pays for them, seconds
    on a busy machine."""
    from django.template.loader import get_template
    from django.urls import get_resolver

    from neisheng.web.wsgi import application

    get_resolver().url_patterns  # noqa: B018 - imports every app's views
    for name in ("base.html", "registry/home.html"):
        get_template(name)
    return application


def _cannot_listen(host: str, port: int, exc: OSError) -> UserError:
    return UserError(f"{host}:{port}: 无法监听,端口可能已被占用 / cannot listen there, "
                     f"is the port already in use? ({exc.strerror})")


def _listening(host: str, port: int):
    import socket

    try:
        return socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET,
                                    backlog=2048)
    except OSError as exc:
        raise _cannot_listen(host, port, exc) from exc


class _Workers:
    """gunicorn's pre-forked worker processes (threaded workers) on a socket bound before
    any work, so that a busy port is reported at once, as with waitress. Python renders a
    page holding one interpreter lock: processes, not only threads, use every core."""

    def __init__(self, sock, *, workers: int, threads: int):
        self.sock, self.workers, self.threads = sock, workers, threads

    def run(self) -> None:
        from django.db import connections
        from gunicorn.app.base import BaseApplication

        sock, workers, threads = self.sock, self.workers, self.threads

        class Application(BaseApplication):
            def load_config(self):
                for name, value in {"bind": [f"fd://{sock.fileno()}"], "workers": workers, "threads": threads,
                                    "worker_class": "gthread", "timeout": 300, "graceful_timeout": 20,
                                    "accesslog": None, "errorlog": "-", "loglevel": "warning"}.items():
                    self.cfg.set(name, value)

            def load(self):
                # In each worker, before it accepts its first connection.
                return _warmed_application()

        # The forked workers must not share this process's database connection.
        connections.close_all()
        Application().run()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass  # gunicorn closed it on the way out


def _serve(server, host: str, port: int) -> None:
    from django.conf import settings

    if host not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS and host not in ("0.0.0.0", "::"):
        click.echo(f"注意 / note: {host} 不在 NEISHENG_ALLOWED_HOSTS 中 / is not in NEISHENG_ALLOWED_HOSTS; "
                   "requests to it will be refused", err=True)
    if host in ("0.0.0.0", "::"):
        click.echo("注意 / note: 其他计算机访问时,请把本机地址加入 NEISHENG_ALLOWED_HOSTS / "
                   "for other computers, add this machine's address to NEISHENG_ALLOWED_HOSTS", err=True)
    click.echo(f"打开浏览器 / open http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/ "
               "(Ctrl-C 停止 / to stop)")
    from neisheng.platform.jobs import worker_running

    # Background jobs (monitoring runs started from a page) run in a worker process that
    # lives exactly as long as the server: nothing else to start, nothing left behind.
    with worker_running():
        try:
            server.run()
        except KeyboardInterrupt:
            click.echo("已停止 / stopped")
        finally:
            server.close()


@click.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True,
              help="address to listen on (0.0.0.0 for every network interface)")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=DEFAULT_WORKERS, envvar="NEISHENG_WORKERS",
              show_default=True, help="worker processes (1: one process, waitress; more: gunicorn); "
              "docs/deployment.md says how many  [env NEISHENG_WORKERS]")
@click.option("--threads", type=click.IntRange(1, 256), default=SERVER_THREADS, envvar="NEISHENG_THREADS",
              show_default=True, help="threads per worker process  [env NEISHENG_THREADS]")
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the web platform (database in $NEISHENG_HOME or DATABASE_URL)."""
    _django()
    _refuse_weak_secret()
    _migrate_if_needed(click.echo)
    _serve(_bind(host, port, workers=workers, threads=threads), host, port)


@click.command()
@click.option("--households", type=click.IntRange(min=1), default=20_000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--serve/--no-serve", "then_serve", default=True, show_default=True,
              help="serve the platform once the demo is built")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True)
@click.option("--home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="working folder (default $NEISHENG_HOME or ./var); its database is replaced")
def demo(households: int, seed: int, then_serve: bool, port: int, home: Path | None) -> None:
    """A demo county in a fresh database: synthesize, validate, load, create one login
    per role, run monitoring, print the summary and the logins, then serve."""
    from django.conf import settings

    from neisheng.engine.validation import SnapshotInvalid
    from neisheng.synth.effects import plant_effects
    from neisheng.web import demo as demo_build
    from neisheng.web.demo_measures import DEMO_EFFECTS

    if os.environ.get("DATABASE_URL"):
        raise UserError("演示会新建并清空自己的 SQLite 数据库,请先取消 DATABASE_URL / the demo builds "
                        "(and wipes) its own SQLite database; unset DATABASE_URL first")
    started = time.perf_counter()
    home = (home or Path(os.environ.get("NEISHENG_HOME", "var"))).resolve()
    home.mkdir(parents=True, exist_ok=True)
    _django(home)
    # Bind before the minutes of work, so a busy port is reported at once.
    server = _bind(DEFAULT_HOST, port) if then_serve else None

    database = Path(settings.DATABASES["default"]["NAME"])
    if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") or database.parent != home:
        # Settings loaded earlier in this process point elsewhere: never wipe that database.
        raise UserError(f"演示只能在 {home} 中新建数据库 / the demo only builds its database in {home}, "
                        f"not {database}")
    if database.exists():
        click.echo(f"删除旧的演示数据库 / removing the old demo database {database}")
    step = time.perf_counter()
    demo_build.database_reset(database)
    migrated = time.perf_counter() - step
    click.echo(f"新建数据库 / new database {database}")

    step = time.perf_counter()
    tables = synthesize(households=households, seed=seed, year=demo_build.DEMO_YEAR,
                         county_code=demo_build.DEMO_COUNTY)
    # Known effects of last year's measures, so the evaluation page has something true to find.
    tables, planted = plant_effects(tables, effects=DEMO_EFFECTS, seed=seed, year=demo_build.DEMO_YEAR)
    synthesized = time.perf_counter() - step
    try:
        with _progress_bar() as progress:
            report = demo_build.demo_build(home=home, tables=tables, say=click.echo, progress=progress,
                                           planted=planted)
    except SnapshotInvalid as exc:
        for issue in exc.issues[:20]:
            click.echo(str(issue), err=True)
        raise UserError(f"演示快照未通过校验 / the demo snapshot failed validation "
                        f"({len(exc.issues)} problems)") from exc
    report.seconds = {"migrate": migrated, "synth": synthesized, **report.seconds}
    click.echo("")
    click.echo(_summary(report, time.perf_counter() - started))
    click.echo("")
    click.echo(_logins(report.logins))
    click.echo("")
    if server is None:
        click.echo(f"启动网站 / to serve: NEISHENG_HOME={home} neisheng serve --port {port}")
        click.echo(f"然后打开 / then open http://{DEFAULT_HOST}:{port}/")
        return
    _serve(server, DEFAULT_HOST, port)


@contextmanager
def _progress_bar():
    """`progress(table, done, total)` drawn as one bar on the terminal (nothing when
    the output is not a terminal)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    labels = {"validating": "校验 validating", "divisions": "载入区划 divisions", "households": "载入农户 households",
              "persons": "载入成员 persons", "income_items": "载入台账 ledger"}
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), transient=True, disable=not sys.stderr.isatty(),
                  console=stderr_console()) as bar:
        task = bar.add_task("", total=None)

        def progress(table: str, done: int, total: int) -> None:
            bar.update(task, description=labels.get(table, table), completed=done, total=total)

        yield progress


def _summary(report, seconds: float) -> str:
    from neisheng.engine.schema import RISK_SHORT, STATUS
    from neisheng.web.demo import DEMO_YEAR

    status = ", ".join(f"{STATUS[s]} {n}" for s, n in report.by_status.items())
    risk = ", ".join(f"{RISK_SHORT[r]} {r} {n}" for r, n in report.by_risk.items())
    return "\n".join([
        f"演示县 demo county: {report.county} — {report.towns} 个乡镇 towns, {report.villages} 个村 villages",
        f"农户 households: {report.households} ({status})",
        f"家庭成员 persons: {report.persons}; 收支台账 ledger rows: {report.ledger_rows}",
        f"监测结果 monitoring {DEMO_YEAR}: {risk}",
        f"用时 took {seconds:.1f} s ({', '.join(f'{k} {v:.1f}' for k, v in report.seconds.items())})",
    ])


def _logins(logins: list[dict]) -> str:
    header = ("用户名 username", "密码 password", "角色 role", "区划 division")
    rows = [(u["username"], u["password"], u["role_label"], u["division"] or "—") for u in logins]
    widths = [max(width(str(r[i])) for r in (header, *rows)) + 2 for i in range(len(header))]
    lines = ["演示登录 demo logins:"]
    for row in (header, *rows):
        lines.append("  " + "".join(cell(v, w, left=True) for v, w in zip(row, widths)).rstrip())
    return "\n".join(lines)


COMMANDS: list[click.Command] = [serve, demo]
