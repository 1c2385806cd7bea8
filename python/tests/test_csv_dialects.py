"""Tables as spreadsheets save them in other locales: MedPipe detects the separator from the first line (a
semicolon, with the decimal comma that goes with it, or a tab) and reads the numbers pandas reads when told the
dialect (`sep`, `decimal`)."""

from __future__ import annotations

import json

import numpy as np
import pandas
import pytest

TABLES = {
    # name: (file name, bytes, pandas.read_csv keywords)
    "semicolons and decimal commas (Excel, German locale)": (
        "visits.csv", "\ufeffage;chol;oldpeak;num\r\n63;233;2,3;0\r\n67;286;1,5;2\r\n41;204;0,0;0\r\n", {"sep": ";", "decimal": ","}),
    "tabs in a file named .csv": ("visits.csv", "age\tchol\toldpeak\n63\t233\t2.3\n67\t286\t1.5\n", {"sep": "\t"}),
    "commas, CRLF and a byte-order mark": ("visits.csv", "\ufeffage,chol,oldpeak\r\n63,233,2.3\r\n67,286,1.5\r\n", {}),
    "commas with a semicolon inside a quoted field": ("visits.csv", 'age,note,oldpeak\n63,"a;b",2.3\n67,c,1.5\n', {}),
}


@pytest.mark.parametrize("name", TABLES)
def test_the_dialect_is_detected_and_read_as_pandas_reads_it(name, medpipe, tmp_path):
    file, text, keywords = TABLES[name]
    path = tmp_path / file
    path.write_bytes(text.encode("utf-8"))
    medpipe("inspect", path, "--array", tmp_path / "table.npy")
    ours = np.load(tmp_path / "table.npy")
    columns = json.loads(medpipe("inspect", path, "--json"))["metadata"]["columns"]
    expected = pandas.read_csv(path, encoding="utf-8-sig", **keywords)
    numeric = [c for c in expected.columns if pandas.api.types.is_numeric_dtype(expected[c])]
    assert columns == numeric
    assert np.array_equal(ours, expected[numeric].to_numpy(dtype=np.float64))
