#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from config.environment import exit_on_configuration_error

    with exit_on_configuration_error():
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018 - load settings now, so a bad one stops here
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
