"""Building a delivery package on the ``cpu`` queue."""

from localization import background
from localization.delivery.services import package_build


@background.pipeline_task(background.BUILD_DELIVERY_PACKAGE, bind=True)
def build_delivery_package(self, package_id: int) -> str | None:
    """Write a delivery package's ZIP and manifest on the ``cpu`` queue."""
    package = package_build(package_id=package_id, task_id=self.request.id,
                            worker=self.request.hostname or "")
    return package.state if package is not None else None
