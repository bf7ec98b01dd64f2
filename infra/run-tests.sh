#!/usr/bin/env bash
# `make test`: lint, Django checks, migrations check and the whole test suite, on
# PostgreSQL: DATABASE_URL when set, else 127.0.0.1:5432 when it answers, else a
# throwaway embedded server (see config/settings/test.py).
set -euo pipefail
py=.venv/bin/python
export DJANGO_SETTINGS_MODULE=config.settings.test

echo "== ruff"
$py -m ruff check .
echo "== import-linter (the layers: pyproject.toml [tool.importlinter])"
.venv/bin/lint-imports --no-cache
echo "== manage.py check"
$py manage.py check
echo "== makemigrations --check"
$py manage.py makemigrations --check --dry-run
echo "== pytest"
$py -m pytest "$@"
