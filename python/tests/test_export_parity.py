"""Every sample and label the package reads equals what `medpipe export --format npz` writes, bit for bit:
the stored tensors, and with `--fitted` the tensors after the cache's fitted stages."""
import numpy as np
import pytest

from conftest import DATA, QUICK_RECIPES, RECIPES, need_data
from medpipe_cache import open_cache


def assert_split_equals_export(cache, out, fitted):
    assert (out / "classes.txt").read_text().splitlines() == cache.classes
    assert sorted(p.stem for p in out.glob("*.npz")) == sorted(cache.splits)
    for name in cache.splits:
        split = cache.split(name)
        with np.load(out / f"{name}.npz") as npz:
            x, y = npz["x"], npz["y"]
        read = np.stack([split.sample(i) if fitted else split.raw(i) for i in range(len(split))])
        assert (read.dtype, read.shape) == (x.dtype, x.shape), name
        assert read.tobytes() == x.tobytes(), f"{name}: samples differ from the export"
        assert np.array_equal(split.targets, y), f"{name}: labels differ from the export"


@pytest.mark.parametrize("fitted", [False, True], ids=["stored", "fitted"])
@pytest.mark.parametrize("recipe", sorted(QUICK_RECIPES))
def test_samples_and_labels_equal_the_npz_export(recipe, fitted, converted, medpipe, tmp_path):
    directory = converted(recipe)
    medpipe("export", "--cache", directory, "--format", "npz", "--out", tmp_path, *(["--fitted"] if fitted else []))
    assert_split_equals_export(open_cache(directory), tmp_path, fitted)


def test_imputed_one_hot_standardized_rows_equal_the_fitted_export(converted, medpipe, tmp_path):
    """The table stages the course recipes do not use: missing values imputed, categories one-hot encoded
    (renaming the columns that standardize then finds), standardized."""
    need_data()
    recipe = tmp_path / "heart-impute.yaml"
    recipe.write_text(f"""name: heart-impute
sources:
  - path: {DATA / 'tabular' / 'processed.cleveland.data'}
    format: csv
    label: {{ column: num, greater-than: 0 }}
table:
  columns: [age, sex, cp, trestbps, chol, fbs, restecg, thalach, exang, oldpeak, slope, ca, thal, num]
  missing: ["?"]
stages:
  - impute: {{ strategy: median }}
  - one-hot: {{ columns: [cp, thal] }}
  - standardize: {{ columns: [age, trestbps, chol, thalach, oldpeak] }}
split: {{ by: patient, ratios: {{ train: 0.6, val: 0.2, test: 0.2 }}, seed: 42 }}
""")
    directory = converted("heart-impute", recipe)
    cache = open_cache(directory)
    assert [f["name"] for f in cache.fitted] == ["impute", "one-hot", "standardize"]
    assert any(np.isnan(cache.split(s).raw(i)).any() for s in cache.splits for i in range(len(cache.split(s)))), \
        "the cleveland table has missing values for impute to fill"
    out = tmp_path / "npz"
    medpipe("export", "--cache", directory, "--format", "npz", "--out", out, "--fitted")
    assert_split_equals_export(cache, out, fitted=True)
    width = cache.split("train").sample(0).shape
    assert width == (13 + 4 - 1 + 3 - 1,), "cp (4 values) and thal (3 values) one-hot encoded in place"


def test_stored_samples_are_read_only_views_of_the_shards(converted):
    cache = open_cache(converted("demo"))
    x = cache.split("train").raw(0)
    assert not x.flags.writeable and not x.flags.owndata
    assert cache.split("train").input(0).flags.writeable, "inputs are new arrays, ready for torch.from_numpy"


def test_infinite_statistics_are_refused_when_fitted(medpipe, tmp_path):
    """A table column holding an infinite value (1e999 reads as one, in MedPipe as in pandas) has an infinite mean.
    convert wrote it into the manifest (as the string "inf"), and every command opening the cache now refuses such
    statistics: so convert refuses to fit them, in one line naming the recipe, the stage and the column."""
    need_data()
    rows = (DATA / "tabular" / "processed.cleveland.data").read_text().splitlines()
    table = tmp_path / "cleveland-inf.data"
    table.write_text("\n".join(",".join("1e999" if c == 4 else v for c, v in enumerate(row.split(","))) if r % 3 == 0 else row
                               for r, row in enumerate(rows)) + "\n")
    recipe = tmp_path / "heart-inf.yaml"
    recipe.write_text((RECIPES / "heart.yaml").read_text()
                      .replace("../../../shared/data/tabular/processed.cleveland.data", str(table))
                      .replace("cache: ../../out/heart-cache\n", ""))
    done = medpipe.run("convert", recipe, "--cache", tmp_path / "cache")
    assert done.returncode != 0
    errors = [line for line in done.stderr.splitlines() if line.startswith("medpipe: error:")]
    assert len(errors) == 1 and f"{recipe}: the statistics fitted on the training split cannot be applied" in errors[0], done.stderr
    assert "the mean of column 'chol' is inf" in done.stderr, done.stderr
