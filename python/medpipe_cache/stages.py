"""The fitted stages, applied to a stored sample with the statistics the cache holds, exactly as
`medpipe` applies them when reading (same dtypes, same float64 arithmetic, same rounding to float32).

A stored stage is `{"caseName": {"_0": {parameters}}}`; fitted statistics are
`{"stage": index, "name": recipe name, "statistics": {"caseName": {"_0": {statistics}}}}`.
Stages before the fit boundary already ran when the cache was written; those from it on run here.
"""
from __future__ import annotations

import math

import numpy as np

from .errors import CacheError


def _case(value: dict, what: str, where: str):
    """The case name and payload of a Swift enum value encoded as `{"case": {"_0": payload}}`."""
    if not isinstance(value, dict) or len(value) != 1:
        raise CacheError(where, f"{what} is not one encoded stage: {value!r}")
    (case, body), = value.items()
    if not isinstance(body, dict) or not isinstance(body.get("_0"), dict):
        raise CacheError(where, f"{what} '{case}' has no parameters object")
    return case, body["_0"]


class FittedStages:
    """Stages `boundary..<count` of a cache's pipeline with their fitted statistics."""

    def __init__(self, where: str, pipeline: list, boundary: int, fitted: list):
        if not 0 <= boundary <= len(pipeline):
            raise CacheError(where, f"fit_boundary {boundary} is outside the {len(pipeline)} stages")
        if not all(isinstance(entry, dict) for entry in fitted):
            raise CacheError(where, f"meta 'fitted' holds an entry that is not an object: {fitted!r}")
        statistics = {}
        for entry in fitted:
            what = f"fitted statistics of stage {entry.get('stage')}"
            case, values = _case(entry.get("statistics"), what, where)
            read = _STATISTICS[case](values, f"{what} ('{case}')", where) if case in _STATISTICS else values
            problem = _PROBLEMS[case](read) if case in _PROBLEMS else None
            if problem:
                raise CacheError(where, f"{what} ('{case}') cannot be applied: {problem}")
            statistics[entry.get("stage")] = (case, read)
        self.where, self.boundary, self.steps = where, boundary, []
        for index in range(boundary, len(pipeline)):
            case, _ = _case(pipeline[index], f"stage {index}", where)
            if case not in _APPLY:
                raise CacheError(where, f"stage {index} ('{case}') runs after the first fitted stage, and only medpipe applies it; "
                                        "read the samples with `medpipe export --fitted` or move the stage before the fitted ones")
            fitted_case, values = statistics.get(index, (None, None))
            if fitted_case != case:
                raise CacheError(where, f"stage {index} ('{case}') has no fitted statistics of its own in the cache")
            self.steps.append((_APPLY[case], values))

    def apply(self, array: np.ndarray, metadata: dict) -> np.ndarray:
        """The sample after every stage from the boundary on (the stored array itself when there is none)."""
        columns = metadata.get("columns")
        for function, values in self.steps:
            array, columns = function(array, columns, values, self.where)
        return array


def number(value, what: str, where: str) -> float:
    """A statistic as MedPipe's JSON coding writes it: a number, or "nan", "inf", "-inf" for the values JSON has none for
    (a table column holding an infinite value has an infinite mean)."""
    if isinstance(value, str) and value in ("nan", "inf", "-inf"):
        return float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CacheError(where, f"{what} is not a number: {value!r}")
    return float(value)


def _field(values: dict, name: str, what: str, where: str):
    if name not in values:
        raise CacheError(where, f"{what} has no '{name}'")
    return values[name]


def _numbers(values: dict, name: str, what: str, where: str) -> float:
    return number(_field(values, name, what, where), f"{what} '{name}'", where)


def _by_column(values: dict, name: str, what: str, where: str, each) -> dict:
    """`{column name: value}` of a table stage's statistics, each value read by `each(value, what)`."""
    table = _field(values, name, what, where)
    if not isinstance(table, dict):
        raise CacheError(where, f"{what} '{name}' is not an object of columns: {table!r}")
    return {column: each(value, f"{what} '{name}' of column '{column}'") for column, value in table.items()}


def _category_list(value, what: str, where: str) -> list:
    if not isinstance(value, list):
        raise CacheError(where, f"{what} is not a list of categories: {value!r}")
    return [number(v, what, where) for v in value]


#: Each fitted stage's statistics, checked and read (numbers as floats) when the stages are built: a damaged or
#: foreign manifest is refused naming it, instead of failing later with a KeyError or TypeError naming nothing.
_STATISTICS = {
    "datasetZScore": lambda v, what, where: {"mean": _numbers(v, "mean", what, where), "std": _numbers(v, "std", what, where)},
    "impute": lambda v, what, where: {"values": _by_column(v, "values", what, where, lambda x, w: number(x, w, where))},
    "standardize": lambda v, what, where: {name: _by_column(v, name, what, where, lambda x, w: number(x, w, where)) for name in ("mean", "scale")},
    "oneHot": lambda v, what, where: {"categories": _by_column(v, "categories", what, where, lambda x, w: _category_list(x, w, where))},
}


def _not_finite(values: dict, what: str):
    column = next((c for c in sorted(values) if not math.isfinite(values[c])), None)
    return None if column is None else f"the {what} of column '{column}' is {values[column]}"


def _standardize_problem(v: dict):
    problem = _not_finite(v["mean"], "mean") or _not_finite(v["scale"], "scale")
    if problem:
        return problem
    column = next((c for c in sorted(v["scale"]) if v["scale"][c] <= 0), None)
    if column is not None:
        return f"the scale of column '{column}' is {v['scale'][column]}, not positive"
    column = next(iter(sorted(set(v["mean"]) ^ set(v["scale"]))), None)
    return None if column is None else f"column '{column}' has a mean or a scale but not both"


def _one_hot_problem(v: dict):
    for column, categories in sorted(v["categories"].items()):
        bad = next((c for c in categories if not math.isfinite(c)), None)
        if bad is not None:
            return f"column '{column}' has the category {bad}"
        if len(set(categories)) != len(categories):
            return f"column '{column}' lists a category twice"
    return None


#: Why read statistics cannot be applied, or None: what `medpipe` refuses in every command opening a cache
#: (FittedStatistics.problem): a mean, scale, fill value or category that is not a finite number, a negative standard
#: deviation or a scale that is not positive, a category listed twice.
_PROBLEMS = {
    "datasetZScore": lambda v: None if math.isfinite(v["mean"]) and math.isfinite(v["std"]) and v["std"] >= 0
    else f"mean {v['mean']} and standard deviation {v['std']} are no finite mean and std >= 0",
    "impute": lambda v: _not_finite(v["values"], "fill value"),
    "standardize": _standardize_problem,
    "oneHot": _one_hot_problem,
}


def dataset_zscore(x, columns, fitted, where):
    """(x − mean) · (1 / std) in float64 per element, rounded to float32 (std 0: scale 1)."""
    scale = 1.0 / fitted["std"] if fitted["std"] > 0 else 1.0
    values = x if x.dtype == np.float32 else x.astype(np.float32)
    return ((values.astype(np.float64) - fitted["mean"]) * scale).astype(np.float32), columns


def impute(x, columns, fitted, where):
    """NaN of a named column replaced by its fill value; float64 rows stay float64, others become float32."""
    names = _names(x, columns, "impute", where)
    row = x.astype(np.float64)
    fills = fitted["values"]
    for i, name in enumerate(names):
        if np.isnan(row[i]) and name in fills:
            row[i] = fills[name]
    return _row(x, row, keep_double=True), columns


def standardize(x, columns, fitted, where):
    """(value − mean) / scale in float64 for each column with statistics; float32 out."""
    names = _names(x, columns, "standardize", where)
    row = x.astype(np.float64)
    mean, scale = fitted["mean"], fitted["scale"]
    for i, name in enumerate(names):
        if name in mean and name in scale:
            row[i] = (row[i] - mean[name]) / scale[name]
    return _row(x, row, keep_double=False), columns


def one_hot(x, columns, fitted, where):
    """Each categorical column replaced in place by one 0/1 column per training category (`name=value`)."""
    names = _names(x, columns, "one-hot", where)
    row = x.astype(np.float64)
    categories = fitted["categories"]
    values, new_names = [], []
    for i, name in enumerate(names):
        if name not in categories:
            values.append(row[i])
            new_names.append(name)
            continue
        for category in categories[name]:
            values.append(1.0 if row[i] == category else 0.0)
            new_names.append(f"{name}={format_number(category)}")
    return _row(x, np.asarray(values, dtype=np.float64), keep_double=True), new_names


_APPLY = {"datasetZScore": dataset_zscore, "impute": impute, "standardize": standardize, "oneHot": one_hot}


def _names(x, columns, stage, where):
    """Column names of a table row: the metadata's `columns` when it names every value, else "0", "1", ...."""
    if x.ndim != 1:
        raise CacheError(where, f"{stage} needs a table row (a vector), got shape {list(x.shape)}")
    if isinstance(columns, list) and len(columns) == x.size and all(isinstance(c, str) for c in columns):
        return columns
    return [str(i) for i in range(x.size)]


def _row(x, row, keep_double):
    """float64 when asked and the input is float64, else float32 (one rounding from float64)."""
    return row if keep_double and x.dtype == np.float64 else row.astype(np.float32)


def format_number(value: float) -> str:
    """A number as MedPipe's canonical parameters write it: integers without a fraction, else the shortest form."""
    if value == 0:
        return "0"
    if float(value).is_integer() and abs(value) <= 9_007_199_254_740_992:
        return str(int(value))
    return repr(float(value))
