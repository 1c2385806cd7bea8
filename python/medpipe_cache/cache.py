"""A MedPipe dataset cache opened for reading: the manifest's tables, the splits, and the samples
memory-mapped from the shard files, with the fitted stages applied as `medpipe` applies them."""
from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import pathlib
import re
import sqlite3
from dataclasses import dataclass
from functools import cmp_to_key

import numpy as np

from .errors import CacheError
from .layout import arrange
from .shards import ShardReader
from .stages import FittedStages, number

#: The newest cache format this package reads (the `format_version` row of the manifest's `meta` table;
#: a cache without it is version 1).
FORMAT_VERSION = 2

#: The manifest's dtype names (NumPy's) and their little-endian NumPy dtypes.
DTYPES = {
    "bool": np.dtype("|b1"), "uint8": np.dtype("|u1"), "int8": np.dtype("|i1"),
    "uint16": np.dtype("<u2"), "int16": np.dtype("<i2"), "uint32": np.dtype("<u4"), "int32": np.dtype("<i4"),
    "uint64": np.dtype("<u8"), "int64": np.dtype("<i8"), "float32": np.dtype("<f4"), "float64": np.dtype("<f8"),
}

#: Splits in the order `medpipe` lists them.
SPLIT_ORDER = ("train", "val", "test")


@dataclass(frozen=True)
class Entry:
    """One stored sample, as a row of the manifest's `entry` table describes it."""
    id: int
    unit: str
    item: int
    source: str
    group: str
    label: str | None
    split: str | None
    dtype: np.dtype
    shape: tuple
    shard: int
    offset: int
    length: int
    sha256: str
    geometry: dict | None
    metadata: dict


def open_cache(directory) -> "Cache":
    """Opens the cache written by `medpipe convert` in `directory` (read-only)."""
    return Cache(directory)


class Cache:
    """A dataset cache: what `medpipe cache info` shows, and each split's samples.

    The manifest is read once, when the cache is opened, and closed; samples are read later through
    memory mappings of the shard files that each process opens for itself (so a cache, a split or a
    dataset built on them can be handed to `DataLoader` workers).
    """

    def __init__(self, directory):
        self.directory = os.fspath(directory)
        path = os.path.join(self.directory, "manifest.sqlite")
        if not os.path.isfile(path):
            raise CacheError(self.directory, "not a MedPipe cache (no manifest.sqlite)")
        meta, entries, plans = _read_manifest(self.directory, path)
        self.meta: dict[str, str] = meta
        #: The cache's format version (refused when newer than `FORMAT_VERSION`).
        self.format_version = _format_version(self.directory, meta)
        self.entries: list[Entry] = entries
        self._plans: dict[str, list[int]] = plans
        #: Labels in `medpipe`'s order (numbers numerically, then text); a label's index is its class number.
        self.classes: list[str] = sorted({e.label for e in entries if e.label is not None}, key=cmp_to_key(_compare_labels))
        self._shards = ShardReader(os.path.join(self.directory, "shards"))
        self._stages = None
        self._fitted = None

    # What the manifest's meta table holds.

    @property
    def recipe(self) -> str | None:
        """The recipe as the cache keeps it: YAML without comments, its sources' file names pseudonymized."""
        return self.meta.get("recipe")

    @property
    def recipe_hash(self) -> str:
        """SHA-256 of the recipe's own text, as written (what a checkpoint's `recipe_hash` refers to)."""
        return self.meta.get("recipe_hash", "")

    @property
    def balance(self) -> str:
        """The recipe's `balance`: none, oversample, undersample, class-weights or smote."""
        return self.meta.get("balance", "none")

    @property
    def pipeline(self) -> list[dict] | None:
        """The stages, as stored (`{"caseName": {"_0": {parameters}}}` each); None before convert finished."""
        text = self.meta.get("pipeline")
        return None if text is None else _member(self.directory, "pipeline", text, "stages")

    @property
    def fit_boundary(self) -> int | None:
        """Index of the first fitted stage: stages from here on run when a sample is read."""
        return self._fitted_stages().boundary if "pipeline" in self.meta else None

    @property
    def fitted(self) -> list[dict]:
        """Statistics fitted on the training split: `{"stage", "name", "statistics"}` per fitted stage (a model's, in the
        view `with_statistics_of` gives)."""
        if self._fitted is not None:
            return self._fitted
        text = self.meta.get("fitted")
        return [] if text is None else _member(self.directory, "fitted", text, "entries")

    def with_statistics_of(self, checkpoint) -> "Cache":
        """This cache read with the fitted statistics a model carries (a `Checkpoint`), as `medpipe evaluate`, `report`
        and `gradcam` read it for that model. A cache converted again since the model was trained (its archive grown,
        its split reseeded) fitted its statistics on another training split; its samples are then prepared as
        `medpipe convert --fit-from` the model's training cache would have stored them. A model without preprocessing
        metadata gives the cache itself.

        Raises `CacheError` when the model was trained on inputs prepared by other stages (as `medpipe evaluate`
        refuses them), or its metadata is not what `medpipe train` writes."""
        pipeline_text, fitted_text = checkpoint.metadata.get("pipeline"), checkpoint.metadata.get("fitted")
        if pipeline_text is None or fitted_text is None:
            return self
        theirs = _member(checkpoint.path, "pipeline", pipeline_text, "stages")
        fitted = _member(checkpoint.path, "fitted", fitted_text, "entries")
        if _peaks_unset(theirs) != _peaks_unset(self.pipeline or []):
            raise CacheError(checkpoint.path, f"was trained on inputs prepared by other stages than those of the cache {self.directory}: "
                                              "convert the data with the recipe of the model's training cache")
        view = copy.copy(self)
        view._fitted, view._stages = fitted, None
        view._fitted_stages()  # statistics the stages cannot apply are refused here, not at the first sample
        return view

    @property
    def class_weights(self) -> list[float] | None:
        """Loss weights per class (in `classes` order) when the recipe balances with class weights."""
        text = self.meta.get("class_weights")
        if text is None:
            return None
        weights = _json(self.directory, "class_weights", text)
        if not isinstance(weights, dict):
            raise CacheError(self.directory, f"meta 'class_weights' is not an object of weights by class: {weights!r}")
        return [number(weights.get(c, 1.0), f"meta 'class_weights' of class '{c}'", self.directory) for c in self.classes]

    @property
    def splits(self) -> dict[str, int]:
        """Entries per split, in train, val, test order (splits with no entry left out)."""
        counts: dict[str, int] = {}
        for e in self.entries:
            if e.split is not None:
                counts[e.split] = counts.get(e.split, 0) + 1
        return {name: counts[name] for name in sorted(counts, key=_split_rank)}

    def counts(self) -> dict[str, dict[str, int]]:
        """Entries per split and label."""
        table: dict[str, dict[str, int]] = {}
        for e in self.entries:
            row = table.setdefault(e.split or "unsplit", {})
            row[e.label] = row.get(e.label, 0) + 1
        return {name: table[name] for name in sorted(table, key=_split_rank)}

    def plan(self, split: str) -> np.ndarray:
        """The stored sampling plan of a split: entry ids in the order one epoch visits them, before the
        trainer's per-epoch shuffle (repeats for oversampling, omissions for undersampling)."""
        return np.asarray(self._plans.get(split, []), dtype=np.int64)

    def split(self, name: str) -> "Split":
        """The entries of one split (`train`, `val`, `test`) in cache order, as `medpipe export` writes them."""
        unsplit = sum(e.split is None for e in self.entries)
        if unsplit:  # as `medpipe train` and `export` refuse it: the earlier run's entries would be read without a word
            raise CacheError(self.directory, f"{unsplit} of its {len(self.entries)} entries have no split: its last convert did not finish "
                                             "(it was killed, or failed after storing them); run `medpipe convert` again to finish it")
        entries = [e for e in self.entries if e.split == name]
        if not entries:
            raise CacheError(self.directory, f"the cache has no entry in split '{name}' (it has: {', '.join(self.splits) or 'none'})")
        return Split(self, name, entries)

    # Reading samples.

    def raw(self, entry: Entry) -> np.ndarray:
        """The stored tensor of an entry: a read-only view of the memory-mapped shard, in the cache's layout and dtype."""
        return self._shards.array(entry)

    def sample(self, entry: Entry) -> np.ndarray:
        """The tensor with the fitted stages applied, in the cache's layout: what `medpipe export --fitted` writes."""
        return self._fitted_stages().apply(self.raw(entry), entry.metadata)

    def input(self, entry: Entry) -> np.ndarray:
        """The values as the network takes them: fitted, float32, channels first (a new array)."""
        return arrange(self.sample(entry), entry.geometry)

    def _fitted_stages(self) -> FittedStages:
        if self._stages is None:
            if "pipeline" not in self.meta or "fitted" not in self.meta:
                raise CacheError(self.directory, "the cache has no finished convert run (no pipeline or fitted statistics); run `medpipe convert` again")
            pipeline = self.pipeline
            boundary = self.meta.get("fit_boundary")
            try:
                boundary = int(boundary) if boundary is not None else len(pipeline)
            except ValueError:
                raise CacheError(self.directory, f"meta 'fit_boundary' is not an integer: {boundary!r}") from None
            self._stages = FittedStages(self.directory, pipeline, boundary, self.fitted)
        return self._stages

    def __repr__(self):
        return f"<medpipe_cache.Cache {self.directory!r}: {len(self.entries)} entries, splits {self.splits}, classes {self.classes}>"


class Split:
    """The entries of one split in cache order (by their unit's position in the plan), with their labels, groups and samples."""

    def __init__(self, cache: Cache, name: str, entries: list[Entry]):
        self.cache, self.name, self.entries = cache, name, entries

    def __len__(self):
        return len(self.entries)

    @property
    def entry_ids(self) -> np.ndarray:
        return np.asarray([e.id for e in self.entries], dtype=np.int64)

    @property
    def labels(self) -> list[str | None]:
        return [e.label for e in self.entries]

    @property
    def targets(self) -> np.ndarray:
        """Class indices into `cache.classes` (int64; −1 for an entry without a label), as export's `y`."""
        index = {c: i for i, c in enumerate(self.cache.classes)}
        return np.asarray([index.get(e.label, -1) if e.label is not None else -1 for e in self.entries], dtype=np.int64)

    @property
    def groups(self) -> list[str]:
        """Keyed pseudonyms of the patients (never a source identifier)."""
        return [e.group for e in self.entries]

    def trained_patients(self, checkpoint) -> tuple[int, int] | None:
        """How many of this split's patients (groups) the model of `checkpoint` (a `medpipe_cache.Checkpoint`) trained on,
        and of how many: what `medpipe evaluate` warns of. None when the checkpoint does not keep its training patients.
        Raises `CacheError` when the cache's pseudonyms were made under another project key than the training cache's,
        which cannot be compared."""
        kept = checkpoint.training_groups
        if kept is None:
            return None
        key, digests = kept
        own = self.cache.meta.get("pseudonym_key")
        if own is not None and key is not None and own != key:
            raise CacheError(self.cache.directory, f"its pseudonyms were made under another project key (fingerprint {own[:12]}) than those "
                                                   f"of the training cache of {checkpoint.path} ({key[:12]}), so they cannot be compared")
        patients = set(self.groups)
        trained = sum(int.from_bytes(hashlib.sha256(g.encode()).digest()[:8], "big") in digests for g in patients)
        return trained, len(patients)

    def metadata(self, i: int) -> dict:
        return self.entries[i].metadata

    def geometry(self, i: int) -> dict | None:
        return self.entries[i].geometry

    def raw(self, i: int) -> np.ndarray:
        return self.cache.raw(self.entries[i])

    def sample(self, i: int) -> np.ndarray:
        return self.cache.sample(self.entries[i])

    def input(self, i: int) -> np.ndarray:
        return self.cache.input(self.entries[i])

    def positions(self, balance: str = "recipe") -> np.ndarray:
        """Positions into this split for one epoch, before shuffling: with `recipe`, the training split
        follows the cache's plan (repeats oversample, omissions undersample); other splits, and `none`,
        are every entry once in cache order. The same rule as `medpipe train`."""
        if balance not in ("recipe", "none"):
            raise ValueError(f"balance must be 'recipe' or 'none', not {balance!r}")
        if balance == "none" or self.name != "train":
            return np.arange(len(self.entries), dtype=np.int64)
        if self.cache.balance == "smote":
            raise CacheError(self.cache.directory, "the recipe balances with SMOTE, whose synthetic rows `medpipe train` makes in memory; "
                                                   "read with balance='none' (and resample in Python, e.g. imbalanced-learn's SMOTE)")
        plan = self.cache.plan("train")
        if plan.size == 0:
            return np.arange(len(self.entries), dtype=np.int64)
        position = {e.id: p for p, e in enumerate(self.entries)}
        missing = [int(i) for i in plan if int(i) not in position]
        if missing:
            raise CacheError(self.cache.directory, f"the training plan names entry {missing[0]}, which is not in the training split")
        return np.asarray([position[int(i)] for i in plan], dtype=np.int64)

    def __repr__(self):
        return f"<medpipe_cache.Split {self.name!r}: {len(self)} entries>"


# Reading the manifest.

def _read_manifest(directory: str, path: str):
    uri = pathlib.Path(path).resolve().as_uri() + "?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as error:
        raise CacheError(path, f"cannot open the cache manifest: {error}") from None
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        meta = dict(connection.execute("SELECT name, value FROM meta")) if "meta" in tables else {}
        # The version comes first: a newer format may have changed every other table.
        _format_version(directory, meta)
        if "entry" not in tables:
            # A convert killed before its first commit left no table (or only GRDB's list of migrations): an empty cache.
            others = sorted(t for t in tables if t != "grdb_migrations" and not t.startswith("sqlite_"))
            if others:
                raise CacheError(path, f"not a MedPipe cache manifest: it has no entry table, but tables {', '.join(others)}")
            return meta, [], {}
        # Entries in the order of their unit's position in the recipe's plan (format 2), then their id (a
        # unit's items in order); format 1 had no positions and listed them by id.
        columns = "id, unit, item, source, group_key, label, split, dtype, shape, shard, offset, length, sha256, geometry, metadata"
        positioned = any(row[1] == "position" for row in connection.execute("PRAGMA table_info(unit)"))
        rows = connection.execute(
            f"SELECT {', '.join('entry.' + c.strip() for c in columns.split(','))} FROM entry JOIN unit ON unit.key = entry.unit"
            " ORDER BY unit.position, entry.id" if positioned else f"SELECT {columns} FROM entry ORDER BY id").fetchall()
        plans: dict[str, list[int]] = {}
        for split, entry in connection.execute("SELECT split, entry FROM plan ORDER BY split, position"):
            if not isinstance(entry, int):
                raise CacheError(path, f"the {split!r} plan names entry {entry!r}, which is not an entry id")
            plans.setdefault(split, []).append(entry)
    except sqlite3.Error as error:
        raise CacheError(path, f"cannot read the cache manifest: {error}") from None
    finally:
        connection.close()
    return meta, [_entry(directory, row) for row in rows], plans


def _format_version(directory: str, meta: dict) -> int:
    text = meta.get("format_version", "1")
    if not re.fullmatch(r"[0-9]{1,9}", text) or int(text) < 1:
        raise CacheError(directory, f"the cache's format_version is not a positive number: {text!r}")
    version = int(text)
    if version > FORMAT_VERSION:
        raise CacheError(directory, f"cache format version {version} is newer than this medpipe_cache reads (up to {FORMAT_VERSION}); "
                                    "update it (pip install ./python from a newer MedPipe checkout)")
    return version


def _entry(directory: str, row) -> Entry:
    (id_, unit, item, source, group, label, split, dtype, shape, shard, offset, length, sha256, geometry, metadata) = row

    def bad(problem):
        return CacheError(directory, f"manifest entry {id_}: {problem}")

    if dtype not in DTYPES:
        raise bad(f"unknown dtype {dtype!r}")
    for name, value in (("label", label), ("group_key", group), ("source", source)):
        if not isinstance(value, str) and (value is not None or name != "label"):  # as medpipe reads them: text only
            raise bad(f"column {name} holds {value!r}, which is not text")
    if split is not None and split not in SPLIT_ORDER:  # as medpipe refuses it: files are named after splits
        raise bad(f"is in split {split!r}, not one of {', '.join(SPLIT_ORDER)}")
    shape = _json(directory, f"entry {id_} shape", shape)
    if not isinstance(shape, list) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise bad(f"shape is not a list of non-negative integers: {shape!r}")
    for name, value, least in (("shard", shard, 1), ("offset", offset, 0), ("length", length, 0)):
        if not isinstance(value, int) or value < least:
            raise bad(f"{name} {value!r} is not an integer ≥ {least}")
    # Every extent counts, even beside a zero one (as medpipe checks the shape): NumPy refuses to make a (0, 2^62, 4) array.
    if math.prod(max(n, 1) for n in shape) * DTYPES[dtype].itemsize >= 2 ** 63:
        raise bad(f"shape {shape} of {dtype} is larger than any array (2^63 bytes)")
    if math.prod(shape) * DTYPES[dtype].itemsize != length:
        raise bad(f"shape {shape} of {dtype} needs {math.prod(shape) * DTYPES[dtype].itemsize} bytes, the entry has {length}")
    geometry = None if geometry is None else _json(directory, f"entry {id_} geometry", geometry)
    metadata = _json(directory, f"entry {id_} metadata", metadata)
    # Read later by the layout and the fitted stages, which look keys up: anything but an object failed there without the path.
    for name, value in (("geometry", geometry), ("metadata", metadata)):
        if value is not None and not isinstance(value, dict):
            raise bad(f"{name} is not a JSON object: {value!r}")
    for kind in ("spatial", "temporal"):  # read by the layout, which looks keys up in them
        if geometry is not None and kind in geometry and not isinstance(geometry[kind], dict):
            raise bad(f"geometry's {kind} is not a JSON object: {geometry[kind]!r}")
    if geometry is not None and not isinstance(geometry.get("spatial", {}).get("spacing", []), list):
        raise bad(f"geometry's spacing is not a list: {geometry['spatial']['spacing']!r}")
    return Entry(id=id_, unit=unit, item=item, source=source, group=group, label=label, split=split, dtype=DTYPES[dtype],
                 shape=tuple(shape), shard=shard, offset=offset, length=length, sha256=sha256, geometry=geometry, metadata=metadata)


def _peaks_unset(pipeline: list) -> list:
    """The stages with every `beats` stage's source of R peaks the same: not part of how samples are prepared (a model
    trained at annotated peaks is judged on new patients' detected ones), as `medpipe` compares stages; and its keys
    that stages stored before they existed lacked at their defaults, as `medpipe` decodes them."""
    stages = copy.deepcopy(pipeline)
    for stage in stages:
        beats = stage.get("beats") if isinstance(stage, dict) else None
        if isinstance(beats, dict) and isinstance(beats.get("_0"), dict):
            beats["_0"].update(peaks="annotations", rr=beats["_0"].get("rr", False), template=beats["_0"].get("template", False))
    return stages


def _member(directory: str, name: str, text: str, key: str) -> list:
    """The list under `key` of the JSON object in meta `name`."""
    value = _json(directory, name, text)
    if not isinstance(value, dict) or not isinstance(value.get(key), list):
        raise CacheError(directory, f"meta '{name}' is not an object with a list '{key}': {text[:80]!r}")
    return value[key]


def _json(directory: str, what: str, text: str):
    try:
        return json.loads(text)
    except (TypeError, ValueError) as error:
        raise CacheError(directory, f"{what} is not valid JSON: {error}") from None


# Label order, as `medpipe` numbers the classes.

_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?:inf|infinity|nan)", re.IGNORECASE)


def _number(text: str) -> float | None:
    """The label as a number when Swift's `Double(text)` reads it as one (decimal or inf/nan), else None."""
    return float(text) if _NUMBER.fullmatch(text) else None


def _compare_labels(a: str, b: str) -> int:
    x, y = _number(a), _number(b)
    if x is not None and y is not None:
        return -1 if x < y else (1 if y < x else 0)
    return -1 if a < b else (1 if b < a else 0)


def _split_rank(name: str):
    return (SPLIT_ORDER.index(name) if name in SPLIT_ORDER else len(SPLIT_ORDER), name)
