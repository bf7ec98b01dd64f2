"""Subtitle tracks and their cues in the API (to be written)."""


def register(router) -> None:
    """Add the tracks' and cues' resources to the pipeline's router."""
