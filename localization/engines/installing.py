"""What the model installers share: their error, the version check of the registry
package that carries a model, and the command-line entry point."""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


class ModelInstallError(RuntimeError):
    """A model could not be assembled or verified; the message says what to do."""


def check_version(distribution: str, expected: str, *, install_hint: str) -> None:
    """Refuse unless ``distribution`` is installed at exactly ``expected``."""
    try:
        installed = version(distribution)
    except PackageNotFoundError:
        raise ModelInstallError(f"{distribution} is not installed; {install_hint}") from None
    if installed != expected:
        raise ModelInstallError(f"{distribution} {installed} is installed; {expected} is expected")


def installer_main(argv: list[str], *, install: Callable[[Path], Path], default: Path,
                   label: str) -> int:
    """``python -m <installer> [DESTINATION]``: assemble and verify, say where or why not."""
    destination = Path(argv[0]) if argv else default
    try:
        path = install(destination)
    except ModelInstallError as error:
        sys.stderr.write(f"{label}: {error}\n")
        return 1
    print(f"{label} verified in {path}")
    return 0
