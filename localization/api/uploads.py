"""Resumable media uploads (the tus protocol) under ``/api/v1/uploads/`` (to be written)."""

urlpatterns: list = []
