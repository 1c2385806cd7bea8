"""The reader on caches written here by hand from the format contract (README, "Cache format"): no
medpipe binary needed. Also the format version, which medpipe and this package both refuse when newer."""
import hashlib
import json
import os
import shutil
import sqlite3
import threading
import time

import numpy as np
import pytest

from medpipe_cache import FORMAT_VERSION, CacheError, arrange, open_cache, read_safetensors

SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE unit (key TEXT PRIMARY KEY, source TEXT NOT NULL, item_count INTEGER NOT NULL, rejected_reason TEXT);
CREATE TABLE entry (id INTEGER PRIMARY KEY, unit TEXT NOT NULL, item INTEGER NOT NULL, source TEXT NOT NULL,
    group_key TEXT NOT NULL, label TEXT, split TEXT, dtype TEXT NOT NULL, shape TEXT NOT NULL, shard INTEGER NOT NULL,
    offset INTEGER NOT NULL, length INTEGER NOT NULL, sha256 TEXT NOT NULL, geometry TEXT, metadata TEXT NOT NULL);
CREATE TABLE plan (split TEXT NOT NULL, position INTEGER NOT NULL, entry INTEGER NOT NULL, PRIMARY KEY (split, position));
"""


def write_cache(directory, samples, meta=None, plan=None):
    """A cache of `samples` (array, label, split, geometry, metadata), all in shard 1."""
    (directory / "shards").mkdir(parents=True)
    database = sqlite3.connect(directory / "manifest.sqlite")
    database.executescript(SCHEMA)
    offset = 0
    with open(directory / "shards" / "000001.bin", "wb") as shard:
        for id_, (array, label, split, geometry, metadata) in enumerate(samples, start=1):
            data = np.ascontiguousarray(array).tobytes()
            shard.write(data)
            database.execute("INSERT INTO entry VALUES (?, 'u', ?, 's', 'g', ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)",
                             (id_, id_, label, split, array.dtype.name, json.dumps(list(array.shape)), offset, len(data),
                              hashlib.sha256(data).hexdigest(), None if geometry is None else json.dumps(geometry),
                              json.dumps(metadata or {})))
            offset += len(data)
    for name, value in (meta or {}).items():
        database.execute("INSERT INTO meta VALUES (?, ?)", (name, value))
    for position, entry in enumerate(plan or []):
        database.execute("INSERT INTO plan VALUES ('train', ?, ?)", (position, entry))
    database.commit()
    database.close()
    return directory


ZSCORE = {"pipeline": json.dumps({"stages": [{"minMax": {"_0": {}}}, {"datasetZScore": {"_0": {}}}]}), "fit_boundary": "1",
          "fitted": json.dumps({"entries": [{"stage": 1, "name": "dataset-zscore", "statistics": {"datasetZScore": {"_0": {"mean": 0.25, "std": 2.0, "count": 8}}}}]}),
          "balance": "oversample"}


def test_samples_labels_plan_and_fitted_values(tmp_path):
    a = np.arange(6, dtype=np.uint8).reshape(2, 3)
    b = np.full((2, 3), 7, dtype=np.uint8)
    c = np.ones((2, 3), dtype=np.uint8)
    cache = open_cache(write_cache(tmp_path, [(a, "10", "train", None, None), (b, "9", "train", None, None), (c, "9", "test", None, None)],
                                   meta=ZSCORE, plan=[1, 2, 2]))
    assert cache.classes == ["9", "10"], "numeric labels sort as numbers"
    assert cache.splits == {"train": 2, "test": 1} and cache.format_version == 1
    train = cache.split("train")
    assert np.array_equal(train.raw(0), a) and train.targets.tolist() == [1, 0]
    assert np.array_equal(train.sample(0), ((a - 0.25) * 0.5).astype(np.float32))
    assert train.input(1).shape == (1, 2, 3) and train.input(1).dtype == np.float32
    assert train.positions("recipe").tolist() == [0, 1, 1] and train.positions("none").tolist() == [0, 1]
    assert cache.split("test").positions("recipe").tolist() == [0], "only the training split is rebalanced"


def test_channels_first_layout():
    signal = np.arange(6, dtype=np.int16).reshape(3, 2)          # (samples, leads)
    assert np.array_equal(arrange(signal, {"temporal": {"frequency": 360}}), signal.T.astype(np.float32))
    rgb = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    assert np.array_equal(arrange(rgb, None), np.moveaxis(rgb, 2, 0).astype(np.float32))
    volume = np.zeros((4, 2, 3), dtype=np.float32)                # three slices of 2×3 would be RGB without spacing
    assert arrange(volume, {"spatial": {"spacing": [1, 1, 1], "affine": {}}}).shape == (1, 4, 2, 3)
    assert arrange(np.zeros(5, dtype=np.float64), None).shape == (5,)


def test_a_newer_format_version_is_refused(tmp_path):
    directory = write_cache(tmp_path / "cache", [(np.zeros(2, np.float32), "a", "train", None, None)],
                            meta={"format_version": str(FORMAT_VERSION + 1)})
    with pytest.raises(CacheError) as raised:
        open_cache(directory)
    assert str(raised.value) == (f"{directory}: cache format version {FORMAT_VERSION + 1} is newer than this medpipe_cache reads "
                                 f"(up to {FORMAT_VERSION}); update it (pip install ./python from a newer MedPipe checkout)")


@pytest.mark.parametrize("change, problem", [
    ("UPDATE entry SET length = 7", "shape [2] of float32 needs 8 bytes, the entry has 7"),
    ("UPDATE entry SET dtype = 'complex64'", "unknown dtype 'complex64'"),
    # Read by medpipe as text only: a blob label became a bytes class name beside the text ones.
    ("UPDATE entry SET label = X'00FF'", "manifest entry 1: column label holds b'\\x00\\xff', which is not text"),
    ("UPDATE entry SET split = '../escaped'", "manifest entry 1: is in split '../escaped', not one of train, val, test"),
    ("UPDATE entry SET shape = '[2, -1]'", "shape is not a list of non-negative integers"),
    # An empty array whose other extents NumPy cannot make failed with its ValueError, naming no file.
    ("UPDATE entry SET shape = '[0, 4611686018427387904, 4]', length = 0, "
     "sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'", "shape [0, 4611686018427387904, 4] of float32 is larger than any array"),
    ("UPDATE entry SET offset = 4", "runs past the shard's end (8 bytes)"),
    ("UPDATE meta SET value = 'two' WHERE name = 'format_version'", "format_version is not a positive number: 'two'"),
    # Not objects: the layout and the fitted stages failed on them later with an AttributeError naming no file.
    ("UPDATE entry SET geometry = '[1]'", "manifest entry 1: geometry is not a JSON object: [1]"),
    ("UPDATE entry SET metadata = '[]'", "manifest entry 1: metadata is not a JSON object: []"),
    ("""UPDATE entry SET geometry = '{"spatial": 3}'""", "manifest entry 1: geometry's spatial is not a JSON object: 3"),
    ("""UPDATE entry SET geometry = '{"spatial": {"spacing": 1}}'""", "manifest entry 1: geometry's spacing is not a list: 1"),
    ("INSERT INTO plan VALUES ('train', 0, 'first')", "manifest.sqlite: the 'train' plan names entry 'first', which is not an entry id"),
])
def test_inconsistent_manifests_are_errors_naming_the_problem(tmp_path, change, problem):
    directory = write_cache(tmp_path / "cache", [(np.zeros(2, np.float32), "a", "train", None, None)], meta={"format_version": "1"})
    with sqlite3.connect(directory / "manifest.sqlite") as database:
        database.execute(change)
    with pytest.raises(CacheError) as raised:
        open_cache(directory).split("train").raw(0)
    assert problem in str(raised.value)


def zscore_meta(statistics=None, fitted=None, pipeline=None, class_weights=None):
    meta = dict(ZSCORE)
    if statistics is not None:
        meta["fitted"] = json.dumps({"entries": [{"stage": 1, "name": "dataset-zscore", "statistics": {"datasetZScore": {"_0": statistics}}}]})
    for name, value in (("fitted", fitted), ("pipeline", pipeline), ("class_weights", class_weights)):
        if value is not None:
            meta[name] = value
    return meta


@pytest.mark.parametrize("meta, problem", [
    (zscore_meta(statistics={"mean": 0.25, "count": 8}), "fitted statistics of stage 1 ('datasetZScore') has no 'std'"),
    (zscore_meta(statistics={"mean": "x", "std": 2.0}), "fitted statistics of stage 1 ('datasetZScore') 'mean' is not a number: 'x'"),
    (zscore_meta(statistics={"mean": 0.25, "std": [2.0]}), "'std' is not a number: [2.0]"),
    (zscore_meta(fitted='{"entries": "x"}'), "meta 'fitted' is not an object with a list 'entries'"),
    (zscore_meta(fitted="[1]"), "meta 'fitted' is not an object with a list 'entries'"),
    (zscore_meta(pipeline='{"stages": 3}'), "meta 'pipeline' is not an object with a list 'stages'"),
    (zscore_meta(class_weights="[1]"), "meta 'class_weights' is not an object of weights by class: [1]"),
    (zscore_meta(class_weights='{"a": "heavy"}'), "meta 'class_weights' of class 'a' is not a number: 'heavy'"),
])
def test_damaged_fitted_statistics_are_errors_naming_the_cache(tmp_path, meta, problem):
    """Statistics of the wrong shape failed with a KeyError, TypeError or AttributeError naming no file."""
    directory = write_cache(tmp_path / "cache", [(np.zeros(2, np.float32), "a", "train", None, None)], meta=meta)
    with pytest.raises(CacheError) as raised:
        cache = open_cache(directory)
        cache.class_weights
        cache.split("train").sample(0)
    assert str(raised.value).startswith(f"{directory}: ") and problem in str(raised.value)


def test_statistics_json_has_no_number_for_are_refused(tmp_path):
    """MedPipe's JSON writes NaN and infinite numbers as the strings "nan", "inf" and "-inf": read as numbers, such
    statistics are refused as every `medpipe` command opening the cache refuses them (the package applied them and gave
    infinite samples); finite ones are applied."""
    for number, (statistics, problem) in enumerate([({"mean": "-inf", "std": "nan", "count": 2}, "mean -inf and standard deviation nan are no finite mean"),
                                                    ({"mean": 0.5, "std": -1.0, "count": 2}, "mean 0.5 and standard deviation -1.0 are no finite mean")]):
        directory = write_cache(tmp_path / f"cache{number}", [(np.array([1, 2], np.float32), "a", "train", None, None)],
                                meta=zscore_meta(statistics=statistics))
        with pytest.raises(CacheError) as raised:
            open_cache(directory).split("train").sample(0)
        assert str(raised.value).startswith(f"{directory}: ") and "cannot be applied: " + problem in str(raised.value)
    directory = write_cache(tmp_path / "finite", [(np.array([1, 2], np.float32), "a", "train", None, None)],
                            meta=zscore_meta(statistics={"mean": 1.0, "std": 2.0, "count": 2}))
    assert open_cache(directory).split("train").sample(0).tolist() == [0.0, 0.5]


def test_not_a_cache_and_a_missing_shard(tmp_path):
    with pytest.raises(CacheError, match="not a MedPipe cache"):
        open_cache(tmp_path)
    # Another program's database under the manifest's name read as an empty cache.
    other = tmp_path / "other"
    other.mkdir()
    with sqlite3.connect(other / "manifest.sqlite") as database:
        database.execute("CREATE TABLE notes (text TEXT)")
    with pytest.raises(CacheError, match="manifest.sqlite: not a MedPipe cache manifest: it has no entry table, but tables notes"):
        open_cache(other)
    directory = write_cache(tmp_path / "cache", [(np.zeros(2, np.float32), "a", "train", None, None)])
    shutil.rmtree(directory / "shards")
    with pytest.raises(CacheError, match="000001.bin: cannot map shard"):
        open_cache(directory).split("train").raw(0)


def waiting_fifo(path, released_after=10.0):
    """A FIFO at `path` (replacing a file there) that a thread opens for writing and closes, after `released_after`
    seconds and then twice a second for a minute, releasing a reader waiting on it: code that still opens it as a file
    then fails instead of hanging."""
    if os.path.lexists(path):
        os.remove(path)
    os.mkfifo(path)

    def release():
        time.sleep(released_after)
        for _ in range(120):
            try:
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:  # no reader waits: the FIFO was refused (or is gone)
                pass
            time.sleep(0.5)
    threading.Thread(target=release, daemon=True).start()


def test_a_shard_or_checkpoint_that_is_a_fifo_is_refused(tmp_path):
    """A shard or model file replaced by a FIFO is refused at once, naming it, as `medpipe` refuses it: opening it
    waited for a writer forever."""
    directory = write_cache(tmp_path / "cache", [(np.zeros(2, np.float32), "a", "train", None, None)])
    shard = directory / "shards" / "000001.bin"
    waiting_fifo(shard)
    with pytest.raises(CacheError, match=f"^{shard}: is not a regular file"):
        open_cache(directory).split("train").raw(0)
    model = tmp_path / "model.safetensors"
    waiting_fifo(model)
    with pytest.raises(CacheError, match=f"^{model}: is not a regular file"):
        read_safetensors(model)


def test_a_cache_whose_last_convert_did_not_finish_is_refused(tmp_path):
    """Entries without a split (a convert killed after storing them) make a split unreadable, as `medpipe train` and
    `export` refuse the cache: the training split gave the earlier run's entries without a word."""
    directory = write_cache(tmp_path / "cache", [(np.zeros(2, np.float32), "a", "train", None, None),
                                                 (np.ones(2, np.float32), "b", None, None, None)])
    cache = open_cache(directory)
    assert cache.counts() == {"train": {"a": 1}, "unsplit": {"b": 1}}, "still described"
    with pytest.raises(CacheError, match="1 of its 2 entries have no split: its last convert did not finish"):
        cache.split("train")


def test_a_damaged_shard_is_an_error_not_wrong_values(tmp_path):
    """Bytes that differ from their SHA-256 in the manifest (a disk error, a copy cut short and patched) are refused
    when read, naming the shard, as `medpipe` refuses them: they used to reach a model as values."""
    directory = write_cache(tmp_path / "cache", [(np.arange(4, dtype=np.float32), "a", "train", None, None),
                                                 (np.ones(4, np.float32), "b", "train", None, None)])
    with open(directory / "shards" / "000001.bin", "r+b") as shard:
        shard.seek(17)
        shard.write(b"\xff")
    split = open_cache(directory).split("train")
    assert split.raw(0).tolist() == [0, 1, 2, 3]
    with pytest.raises(CacheError, match="000001.bin: entry 2: its bytes differ from their SHA-256"):
        split.raw(1)


def test_stages_after_the_fit_boundary_that_only_medpipe_applies_are_refused(tmp_path):
    meta = dict(ZSCORE, pipeline=json.dumps({"stages": [{"datasetZScore": {"_0": {}}}, {"resize": {"_0": {"size": [2, 2]}}}]}), fit_boundary="0")
    meta["fitted"] = meta["fitted"].replace('"stage": 1', '"stage": 0')
    cache = open_cache(write_cache(tmp_path, [(np.zeros((2, 3), np.uint8), "a", "train", None, None)], meta=meta))
    assert cache.split("train").raw(0).shape == (2, 3), "the stored samples stay readable"
    with pytest.raises(CacheError, match=r"stage 1 \('resize'\) runs after the first fitted stage"):
        cache.split("train").sample(0)
