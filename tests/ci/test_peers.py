"""The side-by-side benchmark (benches/peers) runs: its quick mode, on the debug binary, with the
pinned peers installed from benches/peers/requirements.txt. The figures are not judged here (a
debug build on a CI machine); every output check of compare.py is."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("IMGPROMPT_BIN", "")
XTASK = os.environ.get("IMGPROMPT_XTASK", "")


def test_compare_runs_every_job_and_checks_every_output(tmp_path):
    if not (os.access(BIN, os.X_OK) and os.access(XTASK, os.X_OK)):
        pytest.fail("IMGPROMPT_BIN and IMGPROMPT_XTASK must name the binaries: run tests/ci/run.sh")
    report = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benches/peers/compare.py"), BIN, XTASK],
        capture_output=True, text=True,
        env={**os.environ, "IMGPROMPT_PEERS_QUICK": "1", "IMGPROMPT_PEERS_JSON": str(report)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for line in [
        "floor: serde_json parse + serialise",
        "Jinja2 + fastjsonschema pipeline",
        "Dynamic Prompts 0.31.0, combinatorial",
        "peer CPU / imgprompt batch CPU =",
        "Dynamic Prompts CPU / imgprompt CPU =",
        "imgprompt render examples/poster-future-forms.yaml",
    ]:
        assert line in done.stdout, done.stdout
    figures = json.loads(report.read_text())
    assert set(figures) == {
        "floor", "batch", "sequential", "jinja", "expand", "dynamicprompts", "million",
        "cold-render", "cold-jinja",
    }
    for name, f in figures.items():
        assert f["cpu"] > 0 and f["wall"] > 0 and f["rss_mb"] > 0, (name, f)
