"""Shared helpers: the command line built from the same checkout, and the shipped inputs.

python/test.sh sets IMGPROMPT_BIN (the CLI) and IMGPROMPT_WHEEL (the wheel it installed).
"""

import json
import os
import pathlib
import subprocess

import pytest
from hypothesis import settings

ROOT = pathlib.Path(__file__).resolve().parents[2]

settings.register_profile("ci", max_examples=300, deadline=None)
settings.register_profile("long", max_examples=20000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def cli_path() -> str:
    path = os.environ.get("IMGPROMPT_BIN")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("IMGPROMPT_BIN must name the imgprompt binary: run python/test.sh")
    return path


def cli(*args: str, ok=(0,)) -> subprocess.CompletedProcess:
    """Runs the command line in the repository root (the paths in its output are relative)."""
    done = subprocess.run(
        [cli_path(), "--color", "never", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode in ok, (args, done.returncode, done.stderr)
    return done


def json_lines(text: str) -> list:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def examples() -> list[pathlib.Path]:
    return sorted((ROOT / "examples").iterdir())


def fixtures() -> list[pathlib.Path]:
    found = sorted(ROOT.glob("templates/*/fixtures/*.*"))
    return [p for p in found if p.suffix in (".yaml", ".json") and ".assert." not in p.name]


def relative(path: pathlib.Path) -> pathlib.Path:
    return path.relative_to(ROOT)


@pytest.fixture(autouse=True)
def in_root(monkeypatch):
    """The library reads relative paths as the CLI does, from the repository root."""
    monkeypatch.chdir(ROOT)
