"""The GPU's own counters through NVML (``nvidia-ml-py``, imported as ``pynvml``): the
card's name and its total energy since the driver loaded, read before and after a task.

Only the cards this process may use are read (``CUDA_VISIBLE_DEVICES``, by index or UUID).
Cards older than Volta have no energy counter; their power draw is read instead, before
and after, and the energy is that average times the time (``GpuReading.sampled``).
Without NVML (no driver, no card, or COMPUTE_NVML off) ``gpu_meter()`` returns None.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from types import ModuleType

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_state: dict[str, object] = {}


def _load_nvml() -> ModuleType | None:
    """The NVML bindings, initialized once per process; None when there is no driver."""
    try:
        import pynvml
    except ImportError:  # pragma: no cover - a dependency of the platform
        return None
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as error:
        logger.debug("NVML not available: %s", error)
        return None
    return pynvml


def nvml() -> ModuleType | None:
    with _lock:
        if "module" not in _state:
            _state["module"] = _load_nvml()
        return _state["module"]  # type: ignore[return-value]


def reset() -> None:
    """Forget the loaded bindings (tests swap in a fake NVML)."""
    with _lock:
        _state.clear()


@dataclass(frozen=True)
class GpuReading:
    name: str
    energy_mj: float  # millijoules since the driver loaded (or power samples, if sampled)
    power_mw: float
    at: float  # time.perf_counter()
    sampled: bool = False


class GpuMeter:
    """Reads the cards this process may use."""

    def __init__(self, module: ModuleType, handles: list):
        self.module = module
        self.handles = handles

    def read(self) -> GpuReading:
        names, energy, power, sampled = [], 0.0, 0.0, False
        for handle in self.handles:
            name = self.module.nvmlDeviceGetName(handle)
            names.append(name.decode() if isinstance(name, bytes) else str(name))
            try:
                energy += float(self.module.nvmlDeviceGetTotalEnergyConsumption(handle))
            except self.module.NVMLError:
                sampled = True
            with contextlib.suppress(self.module.NVMLError):
                power += float(self.module.nvmlDeviceGetPowerUsage(handle))
        return GpuReading(name=", ".join(sorted(set(names))), energy_mj=energy,
                          power_mw=power, at=time.perf_counter(), sampled=sampled)

    @staticmethod
    def joules_between(before: GpuReading, after: GpuReading) -> float:
        """The energy the cards used between two readings."""
        if before.sampled or after.sampled:
            seconds = max(0.0, after.at - before.at)
            return (before.power_mw + after.power_mw) / 2 / 1000 * seconds
        return max(0.0, after.energy_mj - before.energy_mj) / 1000


def _visible(module: ModuleType) -> list:
    count = module.nvmlDeviceGetCount()
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is None:
        return [module.nvmlDeviceGetHandleByIndex(index) for index in range(count)]
    handles = []
    for item in (part.strip() for part in visible.split(",") if part.strip()):
        try:
            if item.isdigit():
                handles.append(module.nvmlDeviceGetHandleByIndex(int(item)))
            else:
                handles.append(module.nvmlDeviceGetHandleByUUID(item))
        except module.NVMLError as error:
            logger.warning("CUDA_VISIBLE_DEVICES names %s, which NVML cannot find: %s",
                           item, error)
    return handles


def gpu_meter() -> GpuMeter | None:
    module = nvml()
    if module is None:
        return None
    try:
        handles = _visible(module)
    except module.NVMLError as error:
        logger.warning("NVML could not list the cards: %s", error)
        return None
    return GpuMeter(module, handles) if handles else None
