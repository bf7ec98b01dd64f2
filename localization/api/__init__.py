"""The pipeline's side of the partner API (``/api/v1/``): resumable media uploads,
transcription jobs, tracks and cues, translations, dubs and delivery packages, and the
webhooks their events send. ``config.api_urls`` joins it to the business side's."""
