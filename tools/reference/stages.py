#!/usr/bin/env python3
"""Reference values for MedPipeStages, computed once with scipy / numpy / nibabel / scikit-learn /
imbalanced-learn and written to Tests/Reference/stages_*.json (committed).

Usage: python3 tools/reference/stages.py   (from the project root; reads ../shared/data)
"""
import json
import os
import warnings

import numpy as np
import scipy
import scipy.ndimage as ndi
import scipy.signal as sig

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))
OUT = os.path.join(ROOT, "Tests", "Reference")


def write(name, payload):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(payload, f, separators=(",", ":"))
    print("wrote", path)


def flat(a):
    return [float(x) for x in np.asarray(a, dtype=np.float64).ravel()]


def filters():
    import wfdb
    record = wfdb.rdrecord(os.path.join(DATA, "wfdb", "100"))
    x = record.p_signal[:5000, 0].astype(np.float64)
    fs = float(record.fs)
    out = {"source": "MIT-BIH 100, lead 0 (MLII), physical units, samples 0..<5000; scipy " + scipy.__version__,
           "fs": fs, "input": flat(x), "filters": []}
    for kind, order, cut in [("bandpass", 2, [0.5, 40.0]), ("bandpass", 3, [1.0, 30.0]),
                             ("highpass", 2, [0.5]), ("highpass", 3, [0.5]), ("lowpass", 4, [40.0])]:
        wn = cut if kind == "bandpass" else cut[0]
        sos = sig.butter(order, wn, btype=kind, fs=fs, output="sos")
        b, a = sig.butter(order, wn, btype=kind, fs=fs, output="ba")
        y = sig.sosfiltfilt(sos, x)
        out["filters"].append({"kind": kind, "order": order, "cutoffs": cut, "b": flat(b), "a": flat(a),
                               "output": flat(y)})
    # Linear resampling 360 -> 250 Hz as np.interp on the time grid.
    m = int(np.ceil(len(x) * 250.0 / fs))
    t_out = np.arange(m) / 250.0
    t_in = np.arange(len(x)) / fs
    out["resample"] = {"frequency": 250.0, "output": flat(np.interp(t_out, t_in, x))}
    # Per-lead z-score (population std) of both leads of the excerpt.
    both = record.p_signal[:5000, :].astype(np.float64)
    out["both_leads"] = flat(both)
    out["lead_zscore"] = flat((both - both.mean(axis=0)) / both.std(axis=0))
    write("stages_filter.json", out)


def beats():
    import wfdb
    ann = wfdb.rdann(os.path.join(DATA, "wfdb", "100"), "atr")
    header = wfdb.rdheader(os.path.join(DATA, "wfdb", "100"))
    aami = {"N": "N", "L": "N", "R": "N", "e": "N", "j": "N", "A": "S", "a": "S", "J": "S", "S": "S",
            "V": "V", "E": "V", "F": "F", "/": "Q", "f": "Q", "Q": "Q"}
    before, after = 250, 250
    counts, dropped = {}, 0
    for s, sym in zip(ann.sample, ann.symbol):
        if sym not in aami:
            continue
        if s - before < 0 or s + after > header.sig_len:
            dropped += 1
            continue
        counts[aami[sym]] = counts.get(aami[sym], 0) + 1
    write("stages_beats.json", {"samples": [int(s) for s in ann.sample], "symbols": list(ann.symbol),
                                "length": int(header.sig_len), "before": before, "after": after,
                                "counts": counts, "dropped": dropped})


def images():
    rng = np.random.default_rng(20240501)
    # A small volume (z, y, x) with an intensity ramp, noise and a zero background border.
    z, y, x = 12, 14, 16
    zz, yy, xx = np.meshgrid(np.arange(z), np.arange(y), np.arange(x), indexing="ij")
    vol = (40 * zz + 7 * yy - 3 * xx + rng.normal(0, 25, (z, y, x))).round().astype(np.int16)
    vol[:, :2, :] = 0
    out = {"volume_shape": [z, y, x], "volume": flat(vol)}
    v = vol.astype(np.float64)
    out["percentiles"] = {str(q): float(np.percentile(v, q)) for q in [0.5, 2, 25, 50, 97.5, 99.5]}
    out["percentiles_nonzero"] = {str(q): float(np.percentile(v[v != 0], q)) for q in [0.5, 99.5]}
    nz = v[v != 0]
    out["zscore_nonzero"] = {"mean": float(nz.mean()), "std": float(nz.std())}
    # Resampling to a spacing: spacing (x, y, z) = (1.0, 1.5, 2.5) -> (0.8, 1.3, 3.0).
    spacing, target = [1.0, 1.5, 2.5], [0.8, 1.3, 3.0]
    shape_xyz = [x, y, z]
    out_xyz = [max(1, int(np.floor(n * s / t + 0.5))) for n, s, t in zip(shape_xyz, spacing, target)]
    out_zyx = out_xyz[::-1]
    zoom = [o / n for o, n in zip(out_zyx, [z, y, x])]
    f = vol.astype(np.float32)
    resampled = ndi.zoom(f, zoom, order=1, grid_mode=True, mode="nearest")
    assert list(resampled.shape) == out_zyx, (resampled.shape, out_zyx)
    affine = np.array([[0.0, 0.0, -2.5, 90.0], [-1.0, 0.2, 0.0, 40.0], [0.1, 1.5, 0.0, -30.0], [0, 0, 0, 1.0]])
    # Column v of the affine scales by r = n/m and the origin moves to the first output voxel centre.
    S = np.eye(4)
    for v_axis, (n, m) in enumerate(zip(shape_xyz, out_xyz)):
        r = n / m
        S[v_axis, v_axis] = r
        S[v_axis, 3] = 0.5 * r - 0.5
    out["resample"] = {"spacing": spacing, "target": target, "affine": flat(affine), "output_shape": out_zyx,
                       "output": flat(resampled), "output_affine": flat(affine @ S)}
    # 2D bilinear resize of one slice (rows, cols) = (14, 16) -> (9, 23).
    img = f[5]
    resized = ndi.zoom(img, (9 / 14, 23 / 16), order=1, grid_mode=True, mode="nearest")
    assert resized.shape == (9, 23)
    out["resize"] = {"slice": 5, "rows": 9, "columns": 23, "output": flat(resized)}
    write("stages_image.json", out)


def reorient():
    import nibabel as nib
    rng = np.random.default_rng(7)
    data = rng.integers(-1000, 1000, size=(4, 5, 6)).astype(np.int16)  # nibabel (x, y, z)
    theta = np.deg2rad(20)
    cases = {
        "permuted_flipped": [[0, 0, -2.5, 100], [-1.2, 0, 0, 50], [0, 1.1, 0, -20], [0, 0, 0, 1]],
        "lps": [[-0.9, 0, 0, 120], [0, -0.9, 0, 110], [0, 0, 3.0, -60], [0, 0, 0, 1]],
        "oblique": [[np.cos(theta) * 1.5, 0, -np.sin(theta) * 2, 10], [0, -1.0, 0, 20],
                    [np.sin(theta) * 1.5, 0, np.cos(theta) * 2, 30], [0, 0, 0, 1]],
        "ras": [[2, 0, 0, 1], [0, 2, 0, 2], [0, 0, 2, 3], [0, 0, 0, 1]],
    }
    out = {"shape_xyz": list(data.shape), "input": flat(data.ravel(order="F")), "cases": {}}
    for name, aff in cases.items():
        img = nib.Nifti1Image(data, np.array(aff, dtype=np.float64))
        can = nib.as_closest_canonical(img)
        cdata = np.asarray(can.dataobj)
        out["cases"][name] = {"affine": flat(np.array(aff)), "output_affine": flat(can.affine),
                              "output_shape_xyz": list(cdata.shape), "output": flat(cdata.ravel(order="F")),
                              "codes": list(nib.aff2axcodes(np.array(aff)))}
    out["nibabel"] = nib.__version__
    write("stages_reorient.json", out)


def table():
    import sklearn
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler
    from sklearn.utils.class_weight import compute_class_weight
    from sklearn.neighbors import NearestNeighbors
    import imblearn
    from imblearn.over_sampling import SMOTE, RandomOverSampler
    from imblearn.under_sampling import RandomUnderSampler

    names = ["age", "sex", "cp", "trestbps", "chol", "fbs", "restecg", "thalach", "exang", "oldpeak",
             "slope", "ca", "thal", "num"]
    rows = []
    with open(os.path.join(DATA, "tabular", "processed.cleveland.data")) as f:
        for line in f:
            if line.strip():
                rows.append([np.nan if v.strip() in ("?", "") else float(v) for v in line.strip().split(",")])
    table = np.array(rows)
    features = table[:, :13]
    train = np.arange(0, 303, 3).tolist() + np.arange(1, 303, 3).tolist()  # 202 rows: fixed, not random
    train = sorted(train)
    test = [i for i in range(303) if i not in set(train)]
    numeric = ["age", "trestbps", "chol", "thalach", "oldpeak"]
    categorical = ["cp", "restecg", "slope", "ca", "thal"]
    ni = [names.index(c) for c in numeric]
    ci = [names.index(c) for c in categorical]
    median = np.nanmedian(features[train], axis=0)
    mode = SimpleImputer(strategy="most_frequent").fit(features[train]).statistics_
    imputed = features.copy()
    for j in range(13):
        fill = mode[j] if j in ci else median[j]
        imputed[np.isnan(imputed[:, j]), j] = fill
    scaler = StandardScaler().fit(imputed[train][:, ni])
    onehot = OneHotEncoder(handle_unknown="ignore").fit(imputed[train][:, ci])
    labels = (table[:, 13] > 0).astype(int)
    out = {"columns": names[:13], "train": train, "test_rows": test[:10],
           "median": {names[j]: float(median[j]) for j in range(13)},
           "mode": {names[j]: float(mode[j]) for j in range(13)},
           "numeric": numeric, "categorical": categorical,
           "scaler_mean": flat(scaler.mean_), "scaler_scale": flat(scaler.scale_),
           "standardized_test": flat(scaler.transform(imputed[test[:10]][:, ni])),
           "categories": {c: flat(cat) for c, cat in zip(categorical, onehot.categories_)},
           "onehot_test": flat(onehot.transform(imputed[test[:10]][:, ci]).toarray()),
           "class_weights": flat(compute_class_weight("balanced", classes=np.array([0, 1]), y=labels[train])),
           "train_label_counts": [int((labels[train] == 0).sum()), int((labels[train] == 1).sum())],
           "sklearn": sklearn.__version__, "imblearn": imblearn.__version__}
    # SMOTE on all 303 rows: numeric features (imputed, standardized on all rows), label = num (0..4).
    X = StandardScaler().fit_transform(imputed[:, ni])
    y = table[:, 13].astype(int)
    k = 5
    Xr, yr = SMOTE(k_neighbors=k, random_state=0).fit_resample(X, y)
    neighbors = {}
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        nn = NearestNeighbors(n_neighbors=k + 1).fit(X[members])
        _, idx = nn.kneighbors(X[members])
        neighbors[str(c)] = [[int(members[j]) for j in row[1:]] for row in idx]
    # imbalanced-learn's own synthetic rows satisfy the structural property the Swift test checks.
    for row, c in zip(Xr[len(X):], yr[len(X):]):
        members = np.flatnonzero(y == c)
        ok = False
        for pos, i in enumerate(members):
            for j in neighbors[str(c)][pos]:
                d = X[j] - X[i]
                u = float(np.dot(row - X[i], d) / np.dot(d, d))
                if 0 <= u <= 1 and np.allclose(X[i] + u * d, row, atol=1e-9):
                    ok = True
                    break
            if ok:
                break
        assert ok, "imblearn synthetic row off every segment"
    out["smote"] = {"X": flat(X), "y": [int(v) for v in y], "k": k,
                    "resampled_counts": {str(c): int((yr == c).sum()) for c in np.unique(yr)},
                    "neighbors": neighbors}
    _, yo = RandomOverSampler(random_state=0).fit_resample(X, y)
    _, yu = RandomUnderSampler(random_state=0).fit_resample(X, y)
    out["oversample_counts"] = {str(c): int((yo == c).sum()) for c in np.unique(yo)}
    out["undersample_counts"] = {str(c): int((yu == c).sum()) for c in np.unique(yu)}
    write("stages_table.json", out)


def split():
    from sklearn.model_selection import StratifiedGroupKFold
    rng = np.random.default_rng(50)
    groups, labels = [], []
    for p in range(50):
        size = int(rng.integers(1, 60))
        prevalence = rng.uniform(0.05, 0.6)
        for _ in range(size):
            groups.append(f"patient-{p:02d}")
            labels.append(["healthy", "disease", "other"][0 if rng.uniform() > prevalence else int(rng.integers(1, 3))])
    labels_arr = np.array(labels)
    overall = {c: float((labels_arr == c).mean()) for c in ["healthy", "disease", "other"]}
    # scikit-learn's StratifiedGroupKFold with 5 folds: the label-proportion deviation it reaches.
    deviation = 0.0
    sgkf = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=0)
    for _, test_idx in sgkf.split(np.zeros(len(labels)), labels_arr, np.array(groups)):
        for c, p in overall.items():
            deviation = max(deviation, abs(float((labels_arr[test_idx] == c).mean()) - p))
    write("stages_split.json", {"groups": groups, "labels": labels, "overall": overall,
                                "sklearn_sgkf5_max_deviation": deviation})


if __name__ == "__main__":
    warnings.simplefilter("error", RuntimeWarning)
    os.makedirs(OUT, exist_ok=True)
    filters()
    beats()
    images()
    reorient()
    table()
    split()
