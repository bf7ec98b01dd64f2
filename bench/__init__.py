"""Benchmarks that print figures (run as scripts: ``python bench/avails.py``).

A package only so that the import-linter contract can say that no product code imports
it.
"""
