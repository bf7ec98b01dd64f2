"""Sending a health check to every worker queue."""

from __future__ import annotations


def worker_health_check_enqueue(*, queues: tuple[str, ...] | None = None) -> list[str]:
    """Send a health check to every queue; return the task ids."""
    from config.celery import QUEUE_NAMES, worker_health_check

    task_ids = []
    for queue in queues or QUEUE_NAMES:
        result = worker_health_check.apply_async(queue=queue, routing_key=queue)
        task_ids.append(result.id)
    return task_ids
