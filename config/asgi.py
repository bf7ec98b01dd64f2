import os

from config.environment import exit_on_configuration_error

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

with exit_on_configuration_error():
    from django.core.asgi import get_asgi_application

    application = get_asgi_application()
