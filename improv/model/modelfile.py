"""The model directory: trained weights as ``.npz`` (no pickle), ``vocab.json``, ``model.json``.

The layout is what both the training code (Keras) and the numpy engine read,
so this module imports numpy only. Weights follow Keras' LSTM layout: gate order
i, f, c, o along the last axis of the kernels.
"""

from __future__ import annotations

import hashlib
import json
import math
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from improv.errors import ModelError, UsageError
from improv.files import atomic_directory, read_limited
from improv.language import bassvocab, context
from improv.language.vocab import MAX_VALUES as VOCAB_MAX_VALUES
from improv.language.vocab import Vocabulary
from improv.settings import did_you_mean

WEIGHTS = "weights.npz"
VOCAB = "vocab.json"
META = "model.json"
NOTICE = "NOTICE"  # the training data's notice, kept when the model is retrained in place
FORMAT = 1
DEFAULT_TX = 30  # the seeds' window length, for model.json files that do not say
MODELS = "models"  # the shipped models' folder in data/ (package data improv.data)
DEFAULT_MODEL = "wjazzd"  # the one that plays unless --model says otherwise (data/README.md: why)
MAX_TX = 1000  # a window longer than this is no model of ours (the seeds' is 30)
MAX_N_A = 1024  # LSTM units
MAX_VALUES = VOCAB_MAX_VALUES
MAX_META_BYTES = 1_000_000
MAX_DIMENSION = 4 * MAX_N_A * 32  # the largest axis any array of ours can have
MAX_WEIGHTS_BYTES = 200_000_000  # the shipped weights are 0.3 MB
_ARRAYS = ("lstm_kernel", "lstm_recurrent_kernel", "lstm_bias", "dense_kernel", "dense_bias")


@dataclass(frozen=True, eq=False)
class LSTMWeights:
    """The trained shared layers: ``LSTM_cell`` (kernel, recurrent kernel, bias) and ``densor``.

    A conditioned model's input is the previous value's one-hot followed by the context
    features (:mod:`improv.language.context`), so its kernel has ``n_features`` more rows."""

    lstm_kernel: np.ndarray            # (n_values + n_features, 4 n_a)
    lstm_recurrent_kernel: np.ndarray  # (n_a, 4 n_a)
    lstm_bias: np.ndarray              # (4 n_a,)
    dense_kernel: np.ndarray           # (n_a, n_values)
    dense_bias: np.ndarray             # (n_values,)

    @property
    def n_a(self) -> int:
        return self.lstm_recurrent_kernel.shape[0]

    @property
    def n_values(self) -> int:
        return self.dense_bias.shape[0]

    @property
    def n_features(self) -> int:
        return self.lstm_kernel.shape[0] - self.n_values

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in _ARRAYS}

    def check(self, n_values: int | None = None, n_features: int = 0) -> None:
        """Raise ModelError unless every shape agrees with n_a, n_values and n_features."""
        n_a = self.n_a
        n_v = self.n_values if n_values is None else n_values
        expected = {"lstm_kernel": (n_v + n_features, 4 * n_a), "lstm_recurrent_kernel": (n_a, 4 * n_a),
                    "lstm_bias": (4 * n_a,), "dense_kernel": (n_a, n_v), "dense_bias": (n_v,)}
        for name, shape in expected.items():
            actual = getattr(self, name).shape
            if actual != shape:
                raise ModelError(f"model weights {name} have shape {actual} but the vocabulary "
                                 f"and LSTM size need {shape}: retrain with 'improv train'")
            if not np.all(np.isfinite(getattr(self, name))):
                raise ModelError(f"model weights {name} hold NaN or infinity: retrain with "
                                 f"'improv train'")


@dataclass(frozen=True, eq=False)
class ModelDir:
    """Everything loaded from a model directory."""

    weights: LSTMWeights
    vocab: Vocabulary
    meta: dict = field(default_factory=dict)

    @property
    def tx(self) -> int:
        """The training window length (Tx): what the endless policy re-primes from."""
        return int(self.meta.get("tx", DEFAULT_TX))

    @property
    def features(self) -> str | None:
        """The context the model reads beside each value (``context.NAME``), or None."""
        return self.meta.get("features")

    @property
    def n_features(self) -> int:
        return self.weights.n_features


MELODY = "melody"  # model.json's "part" when it names none: the soloist's
# features name -> (context inputs, the check of a vocabulary entry; None: grammar value)
_FEATURES = {context.NAME: (context.N_FEATURES, None),
             context.NAME_V2: (context.N_FEATURES_V2, None),
             context.NAME_V3: (context.N_FEATURES_V3, None),
             bassvocab.NAME: (bassvocab.N_FEATURES, bassvocab.parse_token)}


def checkout() -> Path | None:
    """The source checkout improv runs from (the folder holding ``improv/`` and
    ``data/``), or None for an installed wheel."""
    try:
        resources.files("improv.data")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2]
    return None


def models_dir() -> Path:
    """The folder of the models shipped with improv.

    An installed wheel carries the repository's ``data/`` as the package data
    ``improv.data``; a source checkout (an editable install, or ``python daemon.py``
    beside it) has no such package and reads ``data/`` next to ``improv/`` instead.
    """
    try:
        root = resources.files("improv.data")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "data" / MODELS
    return Path(str(root / MODELS))


def shipped_names() -> tuple[str, ...]:
    """The names of the shipped models (``--model NAME``)."""
    folder = models_dir()
    if not folder.is_dir():
        return ()
    return tuple(sorted(p.name for p in folder.iterdir() if (p / META).is_file()))


def default_dir() -> Path:
    """The model that plays by default (:data:`DEFAULT_MODEL`)."""
    return models_dir() / DEFAULT_MODEL


def is_name(spec: str) -> bool:
    """Whether ``--model`` names a shipped model rather than a directory: a bare word
    (no path separator) that no folder here is called."""
    return bool(spec) and "/" not in spec and "\\" not in spec and spec not in (".", "..") \
        and not Path(spec).expanduser().exists()


def resolve(spec) -> Path:
    """``--model NAME|PATH``: "" or None is the default model, a bare name a shipped
    model (ModelError listing them if there is none so called), anything else a path."""
    if spec is None or str(spec) == "":
        return default_dir()
    if isinstance(spec, Path) or not is_name(str(spec)):
        return Path(spec).expanduser()
    names = shipped_names()
    if spec not in names:
        raise ModelError(f"no model named {spec!r} is shipped{did_you_mean(spec, names)} "
                         f"(there are: "
                         f"{', '.join(names) or 'none'}) and no directory {spec!r} exists: "
                         f"pass --model NAME or --model PATH/TO/MODEL")
    return models_dir() / spec


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_target(out: Path) -> None:
    """Refuse a target that saving would clobber: a file, or a directory holding anything
    but a model's files (saving replaces the whole directory)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file: give a directory path for the model")
    if out.is_dir():
        extra = sorted(p.name for p in out.iterdir()
                       if p.name not in (WEIGHTS, VOCAB, META, NOTICE))
        if extra:
            raise UsageError(f"--out {out} is a directory holding other files ({extra[0]}…), "
                             f"which saving would replace: give a new or model directory")


def _same_corpus(out: Path, meta: dict) -> bool:
    """Whether the model at ``out`` was trained on the corpus ``meta`` names (its data
    notice then still applies to a model retrained in place)."""
    try:
        old = json.loads((out / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(old, dict) and old.get("corpus") == meta.get("corpus")


def save(out: Path, weights: LSTMWeights, vocab: Vocabulary, meta: dict,
         features: str | None = None) -> Path:
    """Write a model directory atomically: into a temp dir beside ``out``, then rename.

    An existing model directory at ``out`` is replaced only once the new one is complete;
    any other directory is refused (see :func:`check_target`).
    """
    out = Path(out)
    check_target(out)
    n_features = feature_count(features, out)
    weights.check(len(vocab), n_features)
    notice = out / NOTICE
    kept = notice.read_bytes() if notice.is_file() and _same_corpus(out, meta) else None
    with atomic_directory(out) as tmp:
        if kept is not None:
            (tmp / NOTICE).write_bytes(kept)
        np.savez(tmp / WEIGHTS, **{k: np.asarray(v, dtype=np.float32)
                                   for k, v in weights.arrays().items()})
        vocab.save(tmp / VOCAB)
        meta = dict(meta, format=FORMAT, n_a=weights.n_a, n_values=len(vocab),
                    features=features, n_features=n_features,
                    weights_sha256=_sha256(tmp / WEIGHTS))
        (tmp / META).write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n",
                                encoding="utf-8")
    return out


def feature_count(features, where) -> int:
    """How many context inputs ``features`` (model.json's name for them) stands for."""
    if features is None:
        return 0
    if features not in _FEATURES:
        known = ", ".join(repr(name) for name in _FEATURES if name != bassvocab.NAME)
        raise ModelError(f"{where} says features={features!r}, which this improv does not "
                         f"know (it reads {known}): upgrade improv or retrain with "
                         f"'improv train'")
    return _FEATURES[features][0]


def _check_tx(meta: dict, where: Path) -> int:
    """The window length from model.json (``tx``, or the seeds' ``Tx``; absent: 30).

    It must be an integer of at least 2: inference re-primes from the last Tx − 1 values,
    so a smaller one would rebuild the state from nothing at every step."""
    tx = meta.get("tx", meta.get("Tx", DEFAULT_TX))
    if isinstance(tx, bool) or not isinstance(tx, int) or not 2 <= tx <= MAX_TX:
        raise ModelError(f"{where} says tx={tx!r}, but the training window length must be an "
                         f"integer of at least 2 and at most {MAX_TX}: fix model.json or "
                         f"retrain with 'improv train'")
    for key, most in (("n_a", MAX_N_A), ("n_values", MAX_VALUES)):
        value = meta.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not 1 <= value <= most):
            raise ModelError(f"{where} says {key}={value!r}, but it must be an integer from 1 "
                             f"to {most}: fix model.json or retrain with 'improv train'")
    return tx


def read_meta(path: Path) -> dict:
    try:
        data = read_limited(path, MAX_META_BYTES, "model.json", ModelError)
    except OSError as err:
        raise ModelError(f"{path} cannot be read ({err.strerror or err}): retrain with "
                         f"'improv train'") from err
    try:
        meta = json.loads(data.decode("utf-8"))
        if not isinstance(meta, dict):
            raise ValueError("not a JSON object")
    except RecursionError as err:
        raise ModelError(f"{path} is not valid JSON (nested too deeply): retrain with "
                         f"'improv train'") from err
    except (OSError, ValueError) as err:
        raise ModelError(f"{path} is not valid JSON ({err}): retrain with 'improv train'") from err
    return meta


def _array_headers(path: Path) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """Shape and dtype of each array in ``weights.npz``, from the ``.npy`` headers alone:
    nothing is allocated for the data until these have been checked."""
    headers = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = info.filename.removesuffix(".npy")
            if info.flag_bits & 0x1:
                raise ValueError(f"array {name} is encrypted")
            if info.compress_type != zipfile.ZIP_STORED:
                # np.savez stores; a compressed entry could unpack to far more than the
                # file's size, and the file's size is what bounds what loading allocates
                raise ValueError(f"array {name} is compressed (improv writes them stored)")
            with archive.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                        else np.lib.format.read_array_header_2_0)
                shape, _, dtype = read(fh)
                if dtype.hasobject:
                    raise ValueError(f"array {name} holds Python objects (a pickle), which "
                                     f"improv never loads")
                if dtype.kind != "f" or dtype.itemsize not in (4, 8):
                    raise ValueError(f"array {name} is {dtype}, not float32 or float64")
                if any(not 0 <= d <= MAX_DIMENSION for d in shape):
                    raise ValueError(f"array {name} has shape {shape}: no model of ours is "
                                     f"that large")
                size = fh.tell() + math.prod(shape) * dtype.itemsize
            if info.file_size != size:
                raise ValueError(f"array {name} is {info.file_size:,} bytes but its header "
                                 f"says {size:,}: truncated or padded")
            headers[name] = (tuple(shape), dtype)
    return headers


def _check_headers(headers: dict, n_values: int, where: Path, n_features: int = 0) -> None:
    """Every array present with the shape the vocabulary and the LSTM size call for."""
    missing = [name for name in _ARRAYS if name not in headers]
    if missing:
        raise ModelError(f"{where} lacks array {missing[0]!r}: retrain with 'improv train'")
    recurrent = headers["lstm_recurrent_kernel"][0]
    n_a = recurrent[0] if len(recurrent) == 2 else -1
    if not 1 <= n_a <= MAX_N_A:
        raise ModelError(f"{where}: lstm_recurrent_kernel has shape {recurrent}, not "
                         f"(n_a, 4 n_a) with n_a from 1 to {MAX_N_A}: retrain with "
                         f"'improv train'")
    expected = {"lstm_kernel": (n_values + n_features, 4 * n_a),
                "lstm_recurrent_kernel": (n_a, 4 * n_a),
                "lstm_bias": (4 * n_a,), "dense_kernel": (n_a, n_values),
                "dense_bias": (n_values,)}
    for name, shape in expected.items():
        if headers[name][0] != shape:
            raise ModelError(f"model weights {name} have shape {headers[name][0]} but the "
                             f"vocabulary and LSTM size need {shape}: retrain with "
                             f"'improv train'")


def load(path: Path, part: str = MELODY) -> ModelDir:
    """Load and check a model directory; any problem is one ModelError naming the fix.
    ``part``: the part that will play it (a bass model is no soloist's, nor the reverse)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ModelError(f"model path {path} is not a directory: pass --model DIR, the "
                         f"directory 'improv train --out DIR' wrote")
    if not path.is_dir():
        raise ModelError(f"model directory {path} does not exist: pass --model DIR or train "
                         f"one with 'improv train --out {path}'")
    for name in (WEIGHTS, VOCAB, META):
        if not (path / name).is_file():
            raise ModelError(f"model directory {path} has no {name}: it is incomplete; "
                             f"retrain with 'improv train --out {path}'")
    meta = read_meta(path / META)
    version = meta.get("format", FORMAT)  # written since the first release; absent: format 1
    if isinstance(version, bool) or version != FORMAT:
        raise ModelError(f"{path / META} says format {version!r}, and this improv reads format "
                         f"{FORMAT}: upgrade improv, or retrain with 'improv train --out {path}'")
    meta = dict(meta, tx=_check_tx(meta, path / META))
    n_features = feature_count(meta.get("features"), path / META)
    made_for = str(meta.get("part", MELODY))
    if made_for != part:
        raise ModelError(f"{path} is a model of the {made_for} part, not of the {part}: "
                         f"choose a {part} model")
    vocab = Vocabulary.load(path / VOCAB, _FEATURES.get(meta.get("features"), (0, None))[1])
    size = (path / WEIGHTS).stat().st_size
    if size > MAX_WEIGHTS_BYTES:
        raise ModelError(f"{path / WEIGHTS} is {size:,} bytes, more than improv loads "
                         f"({MAX_WEIGHTS_BYTES:,}): is this a model of ours?")
    expected_hash = meta.get("weights_sha256")
    if expected_hash and _sha256(path / WEIGHTS) != expected_hash:
        raise ModelError(f"{path / WEIGHTS} is corrupted or truncated (its checksum does not "
                         f"match model.json): retrain with 'improv train --out {path}'")
    try:
        headers = _array_headers(path / WEIGHTS)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, RuntimeError,
            NotImplementedError) as err:
        raise ModelError(f"{path / WEIGHTS} is not a readable weights file ({err}): retrain "
                         f"with 'improv train --out {path}'") from err
    _check_headers(headers, len(vocab), path / WEIGHTS, n_features)
    try:
        with np.load(path / WEIGHTS, allow_pickle=False) as data:
            arrays = {name: np.asarray(data[name], dtype=np.float32) for name in _ARRAYS}
    except KeyError as err:
        raise ModelError(f"{path / WEIGHTS} lacks array {err}: retrain with 'improv train'") from err
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise ModelError(f"{path / WEIGHTS} is not a readable weights file ({err}): retrain "
                         f"with 'improv train --out {path}'") from err
    weights = LSTMWeights(**arrays)
    weights.check(len(vocab), n_features)
    for key in ("n_values", "n_a"):
        want = len(vocab) if key == "n_values" else weights.n_a
        if key in meta and meta[key] != want:
            raise ModelError(f"{path / META} says {key}={meta[key]} but the files hold {want}: "
                             f"the model directory is mismatched; retrain with 'improv train'")
    return ModelDir(weights, vocab, meta)
