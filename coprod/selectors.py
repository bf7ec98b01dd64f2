"""Reads for the catalog and platform pages."""

import json

from django.db.models import QuerySet
from django_celery_results.models import TaskResult

from coprod.models import Company, Title, User


def title_list() -> QuerySet[Title]:
    return Title.objects.order_by("romanized_title")


def company_colleagues(*, company: Company) -> QuerySet[User]:
    return company.users.filter(is_active=True).order_by("username")


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
