"""gunicorn's settings for the web app (``gunicorn -c config/gunicorn.py``, read as a file,
before the app is imported).

``/metrics`` must add up every gunicorn worker, not answer for whichever one took the
scrape, so the web app runs prometheus-client in multiprocess mode (config/metrics.py):
PROMETHEUS_MULTIPROC_DIR names its folder, set here before any worker imports the client:
``web`` inside the folder given (a Celery worker on the same host keeps its own counts
apart), or a folder of its own under the temporary directory. The web's metric files
there are deleted when the server starts (an earlier run's counts are not this one's),
and a worker's files are marked dead when it exits.
"""

import glob
import os
import tempfile

_given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
_folder = (os.path.join(_given, "web") if _given
           else os.path.join(tempfile.gettempdir(), f"kip-web-metrics-{os.getpid()}"))
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _folder


def on_starting(server):
    os.makedirs(_folder, exist_ok=True)
    for stale in glob.glob(os.path.join(_folder, "*.db")):
        os.remove(stale)
    server.log.info("web metrics of every worker in %s", _folder)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
