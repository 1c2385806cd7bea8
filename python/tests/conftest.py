"""Shared fixtures: the `medpipe` binary of this checkout, the real data beside it, and caches converted
from the course recipes once per test session.

The binary is `$MEDPIPE`, else `.build/debug/medpipe` of the checkout; the data is `../shared/data`
beside the checkout. Tests that need either are skipped, with the reason, when it is absent."""
from __future__ import annotations

import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = (ROOT / ".." / "shared" / "data").resolve()
RECIPES = ROOT / "Fixtures" / "recipes"
REFERENCE = ROOT / "Tests" / "Reference"

#: Course recipes that convert in seconds, and whether they read ../shared/data.
QUICK_RECIPES = {"demo": False, "heart": True, "mnist": True, "mitbih-100": True, "breastmnist": True}


class Medpipe:
    """Runs the `medpipe` binary with a project key of the test session's own."""

    def __init__(self, path: str, key: pathlib.Path):
        self.path, self.key = path, key

    def run(self, *arguments) -> subprocess.CompletedProcess:
        return subprocess.run([self.path, *map(str, arguments)], capture_output=True, text=True,
                              env={**os.environ, "MEDPIPE_KEY": str(self.key)})

    def __call__(self, *arguments) -> str:
        """Standard output of a run that must succeed."""
        done = self.run(*arguments)
        assert done.returncode == 0, f"medpipe {' '.join(map(str, arguments))} exited {done.returncode}:\n{done.stderr}"
        return done.stdout


@pytest.fixture(scope="session")
def medpipe(tmp_path_factory) -> Medpipe:
    path = os.environ.get("MEDPIPE") or str(ROOT / ".build" / "debug" / "medpipe")
    if not os.access(path, os.X_OK):
        pytest.skip(f"no medpipe binary at {path} (build it with `swift build`, or set $MEDPIPE)")
    return Medpipe(path, tmp_path_factory.mktemp("key") / "project.key")


def need_data():
    if not (DATA / "MANIFEST.tsv").is_file():
        pytest.skip(f"the real test data is absent ({DATA}; see its README)")


@pytest.fixture(scope="session")
def converted(medpipe, tmp_path_factory):
    """`converted(name)`: the cache of `Fixtures/recipes/NAME.yaml`, converted once per session."""
    caches: dict[str, pathlib.Path] = {}
    root = tmp_path_factory.mktemp("caches")

    def convert(name: str, recipe: pathlib.Path | None = None) -> pathlib.Path:
        if name not in caches:
            if QUICK_RECIPES.get(name, True):
                need_data()
            directory = root / name
            medpipe("convert", recipe or RECIPES / f"{name}.yaml", "--cache", directory)
            caches[name] = directory
        return caches[name]

    return convert
