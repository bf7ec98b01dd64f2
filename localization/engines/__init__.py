"""Thin adapters over speech, translation and voice libraries, one module per family."""
