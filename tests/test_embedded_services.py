"""The embedded PostgreSQL that runs the platform when no DATABASE_URL is given."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_embedded_postgres_starts_runs_postgres_features_and_is_deleted(tmp_path):
    pgdata = tmp_path / "pgdata"
    script = textwrap.dedent(f"""
        import psycopg
        from config.embedded import start_embedded_postgres
        config = start_embedded_postgres(__import__("pathlib").Path({str(pgdata)!r}),
                                         database="probe", delete_on_exit=True)
        with psycopg.connect(host=config["HOST"], user=config["USER"],
                             dbname=config["NAME"]) as connection:
            row = connection.execute(
                "SELECT tstzrange('2026-01-01', '2026-02-01') && "
                "tstzrange('2026-01-15', '2026-03-01'), "
                "to_tsvector('simple', 'Seoul Nights') @@ to_tsquery('simple', 'seoul'), "
                "'{{\\"a\\": 1}}'::jsonb -> 'a'").fetchone()
            print(row)
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "(True, True, 1)" in result.stdout
    assert not pgdata.exists(), "a throwaway server must delete its data folder"
