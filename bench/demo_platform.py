"""The platform with its demo data on an embedded PostgreSQL, for the bench scripts: the
README's first command without the web server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def demo_platform(folder: Path) -> dict[str, str]:
    """Start an embedded PostgreSQL under ``folder`` (removed when the process exits),
    migrate it and load the demo data, then set this process up to use it (Django
    configured). Returns the environment for worker processes started afterwards."""
    from config.embedded import start_embedded_postgres
    from config.environment import database_url_for

    database = start_embedded_postgres(folder / "pg", delete_on_exit=True)
    env = dict(os.environ, DATABASE_URL=database_url_for(database),
               PLATFORM_DATA_DIR=str(folder / "data"),
               DJANGO_SETTINGS_MODULE="config.settings.local", HF_HUB_OFFLINE="1")
    env.pop("CELERY_BROKER_URL", None)
    for command in (["migrate", "-v0"], ["seed_demo"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
    os.environ.update(env)
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    return env
