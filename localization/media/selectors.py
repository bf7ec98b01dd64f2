"""Reads for media."""

from __future__ import annotations

from django.db.models import QuerySet

from localization.media.models import MediaAsset


def media_list(*, title=None) -> QuerySet[MediaAsset]:
    queryset = MediaAsset.objects.select_related("title")
    return queryset.filter(title=title) if title is not None else queryset

