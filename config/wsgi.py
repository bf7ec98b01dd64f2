import os

from config.environment import exit_on_configuration_error

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

with exit_on_configuration_error():
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
