"""Print how fast the embedded defaults are: PostgreSQL start-up and a task's round trip.

    .venv/bin/python bench/embedded_services.py [--tasks 20]

Figures only; nothing here asserts a time.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=20)
    arguments = parser.parse_args()

    from config.embedded import filesystem_broker, start_embedded_postgres
    from config.environment import database_url_for

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        started = time.perf_counter()
        database = start_embedded_postgres(folder / "pg", delete_on_exit=True)
        print(f"embedded PostgreSQL: first start (initdb) {time.perf_counter() - started:.2f} s")

        env = dict(os.environ, DATABASE_URL=database_url_for(database),
                   PLATFORM_DATA_DIR=str(folder), DJANGO_SETTINGS_MODULE="config.settings.local")
        env.pop("CELERY_BROKER_URL", None)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env,
                       check=True)
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "gpu,cpu,default",
             "--concurrency", "1", "--loglevel", "WARNING"],
            cwd=ROOT, env=env)
        try:
            os.environ.update(env)
            import django

            django.setup()
            from config.celery import worker_health_check

            broker_url, options = filesystem_broker(folder / "broker")
            worker_health_check.app.conf.update(broker_url=broker_url,
                                                broker_transport_options=options)
            worker_health_check.apply_async(queue="default").get(timeout=120)  # warm-up
            started = time.perf_counter()
            for index in range(arguments.tasks):
                queue = ("gpu", "cpu", "default")[index % 3]
                worker_health_check.apply_async(queue=queue, routing_key=queue).get(timeout=60)
            elapsed = time.perf_counter() - started
            print(f"file-system broker: {arguments.tasks} sequential tasks in {elapsed:.2f} s, "
                  f"{elapsed / arguments.tasks * 1000:.0f} ms per round trip")
        finally:
            worker.terminate()
            worker.wait(timeout=30)


if __name__ == "__main__":
    main()
