#!/usr/bin/env bash
# `make run`: migrate, load demo data, start a worker on every queue and the web server,
# on the embedded PostgreSQL and broker unless DATABASE_URL / CELERY_BROKER_URL are set.
set -euo pipefail
host=${1:-127.0.0.1}
port=${2:-8000}
py=.venv/bin/python
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}

$py manage.py migrate --no-input
$py manage.py seed_demo
# Content Credentials sign with a development certificate unless C2PA_CERT_FILE is set.
if [ -z "${C2PA_CERT_FILE:-}" ]; then $py manage.py credentials devcert; fi
$py manage.py seed_localization_demo  # the Korean demo clip, queued for transcription

mkdir -p var/log
.venv/bin/celery -A config worker -Q gpu,cpu,default --concurrency 1 --loglevel INFO \
  --hostname "local-worker@%h" >var/log/worker.log 2>&1 &
worker=$!
# Celery beat runs the periodic check that requeues runs whose worker stopped reporting.
.venv/bin/celery -A config beat --loglevel INFO --schedule var/celerybeat-schedule \
  >var/log/beat.log 2>&1 &
beat=$!
stop() {
  kill "$worker" "$beat" 2>/dev/null; wait "$worker" "$beat" 2>/dev/null
  if [ -z "${DATABASE_URL:-}" ]; then $py -m config.embedded stop "${PLATFORM_DATA_DIR:-var}/postgres"; fi
}
trap stop EXIT

echo
echo "Worker and beat started (logs: var/log/worker.log, var/log/beat.log)."
echo "Open http://$host:$port/ and log in with one of the demo accounts above."
echo
$py manage.py runserver "$host:$port"
