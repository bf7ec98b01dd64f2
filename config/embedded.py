"""Embedded defaults, so that a newcomer needs nothing installed.

Without DATABASE_URL the platform runs a private PostgreSQL from the ``pgserver`` wheel
in a data folder of the project; without CELERY_BROKER_URL it queues tasks through
kombu's file-system transport, which still hands them to a separate worker process.
"""

from __future__ import annotations

import warnings
from pathlib import Path

EMBEDDED_DATABASE_NAME = "platform"


def start_embedded_postgres(pgdata: Path, *, database: str = EMBEDDED_DATABASE_NAME,
                            delete_on_exit: bool = False) -> dict:
    """Start (or reuse) a PostgreSQL server in ``pgdata``; return a DATABASES entry.

    The server outlives the process that started it unless ``delete_on_exit`` is set, so
    the web server, the worker and manage.py commands all share one server.
    """
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset, as it is on servers.
        warnings.simplefilter("ignore")
        import pgserver

        pgdata.mkdir(parents=True, exist_ok=True)
        server = pgserver.get_server(pgdata, cleanup_mode="delete" if delete_on_exit else None)
    socket_dir = str(server.get_postmaster_info().socket_dir)
    _create_database_if_missing(socket_dir, database)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": database,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": "",
    }


def _create_database_if_missing(socket_dir: str, database: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres",
                         autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def filesystem_broker(folder: Path) -> tuple[str, dict]:
    """Broker URL and transport options for kombu's file-system transport."""
    queue_folder = folder / "queue"
    processed_folder = folder / "processed"
    control_folder = folder / "control"
    for path in (queue_folder, processed_folder, control_folder):
        path.mkdir(parents=True, exist_ok=True)
    return "filesystem://localhost/", {
        "data_folder_in": str(queue_folder),
        "data_folder_out": str(queue_folder),
        "processed_folder": str(processed_folder),
        # Exchange bindings; kombu's default is a folder in the current directory.
        "control_folder": str(control_folder),
        "store_processed": False,
        # Poll the folder often: the default of one second makes every job feel slow.
        "polling_interval": 0.1,
    }


def stop_embedded_postgres(pgdata: Path) -> bool:
    """Stop the server running in ``pgdata``; return whether one was running."""
    if not (pgdata / "postmaster.pid").exists():
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

        server = pgserver.get_server(pgdata, cleanup_mode="stop")
    server._cleanup()  # pgserver's own stop: pg_ctl stop as the right system user
    return True


if __name__ == "__main__":
    import sys

    # python -m config.embedded stop PGDATA  (used by `make run` on exit)
    if len(sys.argv) == 3 and sys.argv[1] == "stop":
        stopped = stop_embedded_postgres(Path(sys.argv[2]))
        print("Embedded PostgreSQL stopped." if stopped else "Embedded PostgreSQL was not running.")
    else:
        sys.exit("usage: python -m config.embedded stop PGDATA")
