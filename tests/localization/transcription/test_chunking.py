"""Long media in chunks: borders at quiet moments, no word lost or duplicated."""

import numpy as np

from localization.engines.asr import RecognizedWord
from localization.transcription.recognition import (
    OVERLAP_SECONDS,
    Chunk,
    keep_owned,
    plan_chunks,
    quietest_moment,
)


def test_short_media_is_one_chunk():
    assert plan_chunks(700, 600) == [Chunk(0.0, 700)]


def test_chunks_cover_everything_once_and_follow_quiet_moments():
    quiet = {600: 611.3, 1211.3: 1190.0}
    chunks = plan_chunks(1900, 600, lambda t: quiet.get(round(t, 1), t))
    assert chunks[0] == Chunk(0.0, 611.3)
    assert chunks[1] == Chunk(611.3, 1190.0)
    assert chunks[-1].end == 1900
    for previous, chunk in zip(chunks, chunks[1:], strict=False):
        assert previous.end == chunk.start


def test_quietest_moment_finds_the_silence():
    rate = 16000
    noise = np.random.default_rng(0).normal(0, 0.3, rate * 10).astype(np.float32)
    noise[int(6.2 * rate):int(6.5 * rate)] = 0.0
    assert 6.2 <= quietest_moment(noise, offset=100.0) - 100.0 <= 6.5


def test_words_near_a_border_are_kept_exactly_once():
    # Every word spoken, 0.4 s long, every 0.5 s, across a border at 10 s.
    spoken = [(t / 10, t / 10 + 0.4, f"w{t}") for t in range(0, 200, 5)]
    first, second = Chunk(0.0, 10.0), Chunk(10.0, 20.0)
    merged = []
    for chunk in (first, second):
        window_start, window_end = chunk.window(20.0)
        # The recognizer hears the whole window, overlap included, and times words in it;
        # timings jitter a little between the two decodings of the same word.
        heard = [RecognizedWord(start - window_start + 0.02 * (chunk is second),
                                end - window_start, text, 1.0)
                 for start, end, text in spoken if window_start <= start and end <= window_end]
        assert len(heard) > 20 if chunk is first else True
        merged += keep_owned(chunk, heard, window_start)
    assert [word.text for word in merged] == [text for _s, _e, text in spoken]
    assert OVERLAP_SECONDS > 0


def test_recognition_loops_are_cut_back_but_real_repeats_kept():
    from localization.subtitles.segmentation import Word
    from localization.transcription.recognition import without_repetition_loops

    loop = [Word(index * 100, index * 100 + 90, " 흙,") for index in range(10)]
    words = [Word(0, 50, " 아"), *loop, Word(2000, 2100, " 네"), Word(2100, 2200, " 네"),
             Word(2200, 2300, " 네."), Word(2300, 2400, " 끝")]
    kept = without_repetition_loops(words)
    texts = [word.text for word in kept]
    assert texts.count(" 흙,") == 3
    assert [word.text for word in kept[-4:]] == [" 네", " 네", " 네.", " 끝"]
