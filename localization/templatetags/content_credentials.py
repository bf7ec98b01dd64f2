"""The signing certificate's status, for the administrator's system status page."""

from django import template

from localization.credentials import services as credentials

register = template.Library()


@register.simple_tag
def signer_status() -> dict:
    return credentials.signer_status()
