from celery import shared_task
from django.conf import settings

from localization.delivery.services import package_build


@shared_task(
    name="localization.tasks.build_delivery_package",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.LOCALIZATION_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.LOCALIZATION_TASK_TIME_LIMIT,
)
def build_delivery_package(package_id: int) -> str | None:
    """Write a delivery package's ZIP and manifest on the ``cpu`` queue."""
    package = package_build(package_id=package_id)
    return package.state if package is not None else None
