"""Django's admin discovers ``localization.admin``: the pipeline's deliverables in the
partner portal."""

from localization.delivery import portal as delivery_portal

__all__ = ["delivery_portal"]
