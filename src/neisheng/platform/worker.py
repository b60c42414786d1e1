"""The background worker as a child process of the server (`platform.jobs.worker_running`):
django-tasks-db's own `db_worker` command, plus a watch on the parent so that the worker
ends with the server even when the server is killed without a chance to stop it.

    python -m neisheng.platform.worker --parent PID --worker-id ID
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            # The worker's own handler: it finishes the task at hand, then exits.
            os.kill(os.getpid(), signal.SIGTERM)
            return


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m neisheng.platform.worker")
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--worker-id", required=True)
    parser.add_argument("--interval", default="1")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neisheng.web.settings")
    import django
    from django.core.management import call_command

    django.setup()
    threading.Thread(target=_watch_parent, args=(args.parent,), daemon=True).start()
    call_command("db_worker", "--no-reload", "--no-startup-delay", "--queue-name", "*",
                 "--worker-id", args.worker_id, "--interval", args.interval, verbosity=0)


if __name__ == "__main__":
    main()
