#!/bin/sh
# The image's entry point (under tini, which reaps the Celery pool's children and passes
# SIGTERM on). One argument that names a process of infra/Procfile.production (web,
# worker-gpu, worker-cpu, worker-default, beat) runs that process's command, so Compose and
# Kubernetes start exactly what the Procfile says; anything else runs as given
# (python manage.py migrate, a shell). KIP_PROCFILE names another
# Procfile (the tests).
set -eu
procfile=${KIP_PROCFILE:-/app/infra/Procfile.production}
if [ "$#" -eq 1 ]; then
  command=$(awk -v name="$1" 'index($0, name ": ") == 1 { print substr($0, length(name) + 3); exit }' "$procfile")
  if [ -n "$command" ]; then
    # exec twice: the process replaces both shells and receives SIGTERM itself.
    exec sh -c "exec $command"
  fi
fi
exec "$@"
