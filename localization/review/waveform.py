"""The waveform peaks of a media file, computed once and kept."""

from __future__ import annotations

from coprod.core.storage import field_local_copy
from localization.media.models import MediaAsset
from localization.review.models import MediaWaveform

WAVEFORM_PEAKS_PER_SECOND = 100


def media_waveform(*, media: MediaAsset) -> MediaWaveform:
    """Peaks of the media's audio, decoded once with PyAV and kept in the database."""
    existing = MediaWaveform.objects.filter(media=media).first()
    if existing is not None:
        return existing
    peaks = waveform_peaks(media.file, peaks_per_second=WAVEFORM_PEAKS_PER_SECOND)
    waveform, _created = MediaWaveform.objects.get_or_create(
        media=media, defaults={"peaks_per_second": WAVEFORM_PEAKS_PER_SECOND, "peaks": peaks})
    return waveform


def waveform_peaks(file, *, peaks_per_second: int) -> list[int]:
    """Loudest absolute sample per slot, scaled to 0..255, of the first audio stream of a
    stored file (decoded from a local copy when it is kept on S3: seeking a remote file
    object would fetch it whole first)."""
    import av
    import numpy as np

    rate = 8000
    slot = rate // peaks_per_second
    with field_local_copy(file) as path, av.open(str(path)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        chunks = []
        for frame in container.decode(audio=0):
            for resampled in resampler.resample(frame):
                chunks.append(resampled.to_ndarray().reshape(-1))
        for resampled in resampler.resample(None):
            chunks.append(resampled.to_ndarray().reshape(-1))
    if not chunks:
        return []
    samples = np.abs(np.concatenate(chunks))
    padded = np.pad(samples, (0, (-len(samples)) % slot))
    loudest = padded.reshape(-1, slot).max(axis=1)
    top = float(loudest.max()) or 1.0
    return [int(value) for value in np.round(np.clip(loudest / top, 0, 1) * 255)]
