"""Dubbing: fitting synthesized speech into cue windows and mixing the dubbed track.

Pure audio code over numpy arrays and files; no Django models here.
"""
