"""Subtitle cues as plain data: file formats and segmentation of transcripts into cues."""
