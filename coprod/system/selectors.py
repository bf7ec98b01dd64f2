"""The recent health checks' answers, per queue."""

import json

from django_celery_results.models import TaskResult


def recent_health_checks(*, limit: int = 30) -> list[dict]:
    """The latest worker health checks with the queue and worker that answered."""
    rows = TaskResult.objects.filter(task_name="platform.worker_health_check").order_by(
        "-date_created"
    )[:limit]
    checks = []
    for row in rows:
        try:
            answer = json.loads(row.result or "null")
        except ValueError:
            answer = None
        answer = answer if isinstance(answer, dict) else {}
        checks.append({
            "sent": row.date_created,
            "state": row.status,
            "queue": answer.get("queue", ""),
            "worker": answer.get("worker") or row.worker or "",
        })
    return checks
