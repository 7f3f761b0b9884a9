"""imgprompt's CI formats, read by the tools CI systems use."""

import json
import os
import pathlib
import shutil
import subprocess

import pytest
from junitparser import Failure, JUnitXml, Skipped

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = os.environ.get("IMGPROMPT_BIN", "")
GOOD = "subject: a red kite\ntext:\n  headline: {content: FLY HIGH, placement: top center}\n"
BAD = "subjct: a red kite\n"


def imgprompt(*args, cwd=ROOT, env=None, ok=(0,)):
    if not os.access(BIN, os.X_OK):
        pytest.fail("IMGPROMPT_BIN must name the imgprompt binary: run tests/ci/run.sh")
    done = subprocess.run(
        [BIN, "--color", "never", *args], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode in ok, (args, done.returncode, done.stdout, done.stderr)
    return done


def junit(text, tmp_path):
    path = tmp_path / "report.xml"
    path.write_text(text)
    return JUnitXml.fromfile(str(path))


def cases(xml):
    return [case for suite in xml for case in suite]


def test_test_junit_lists_every_fixture(tmp_path):
    done = imgprompt("test", "templates", "--format", "junit")
    xml = junit(done.stdout, tmp_path)
    found = cases(xml)
    fixtures = [p for p in ROOT.glob("templates/*/fixtures/*.*")
                if p.suffix in (".yaml", ".json") and ".assert." not in p.name]
    assert len(found) == len(fixtures) and xml.tests == len(fixtures)
    assert xml.failures == 0 and all(c.is_passed for c in found)
    assert {c.classname for c in found} >= {"templates/poster/fixtures"}


def test_test_junit_reports_a_changed_snapshot_and_a_pending_one(tmp_path):
    preset = tmp_path / "presets" / "poster"
    shutil.copytree(ROOT / "templates" / "poster", preset)
    snap = next((preset / "fixtures" / "snapshots").glob("example*.snap"))
    snap.write_text(snap.read_text().replace("Future", "Past", 1) + "changed\n")
    (preset / "fixtures" / "new.yaml").write_text("preset: poster\nsubject: a new one\n")
    done = imgprompt("test", "presets", "--format", "junit", cwd=tmp_path, env={"CI": ""}, ok=(1,))
    found = {c.name: c for c in cases(junit(done.stdout, tmp_path))}
    changed = found["example.yaml"].result[0]
    assert isinstance(changed, Failure) and changed.type == "snapshot"
    assert "differs" in changed.message and "+" in changed.text
    assert isinstance(found["new.yaml"].result[0], Skipped)
    # under CI a snapshot that is missing fails
    done = imgprompt("test", "presets", "--format", "junit", cwd=tmp_path, env={"CI": "true"}, ok=(1,))
    found = {c.name: c for c in cases(junit(done.stdout, tmp_path))}
    assert isinstance(found["new.yaml"].result[0], Failure)


def test_validate_and_lint_junit_have_a_case_per_brief(tmp_path):
    (tmp_path / "good.yaml").write_text(GOOD)
    (tmp_path / "bad.yaml").write_text(BAD)
    for command in ("validate", "lint"):
        done = imgprompt(command, "--format", "junit", "good.yaml", "bad.yaml", cwd=tmp_path, ok=(1,))
        found = {c.name: c for c in cases(junit(done.stdout, tmp_path))}
        assert found["good.yaml"].is_passed
        failure = found["bad.yaml"].result[0]
        assert isinstance(failure, Failure)
        assert failure.type in ("missing-field", "unknown-field")
        assert "subjct" in failure.text


def test_exact_text_survives_the_xml(tmp_path):
    # markup in a brief reaches the report escaped and reads back as written (control characters
    # XML cannot hold are the unit tests' business: src/emit/junit.rs)
    tricky = 'Save 50% & "more" <now> ]]> </failure>'
    line = json.dumps({"subject": "x", "text": {"headline": tricky}, "output": {"size": "13x7"}}, ensure_ascii=False)
    (tmp_path / "b.json").write_text(line + "\n")
    done = imgprompt("validate", "--format", "junit", "b.json", cwd=tmp_path, ok=(1,))
    failure = cases(junit(done.stdout, tmp_path))[0].result[0]
    # the snippet quotes the line as the file has it
    assert "13x7" in failure.text and line in failure.text, failure.text


def sarif_results(text, tmp_path):
    from sarif import loader

    path = tmp_path / "log.sarif"
    path.write_text(text)
    return loader.load_sarif_file(str(path)).get_results()


def test_lint_and_validate_sarif_hold_every_diagnostic(tmp_path):
    (tmp_path / "bad.yaml").write_text("preset: poster\nsubjct: a red kite\ntext:\n  headline: GO\n")
    for command in ("validate", "lint"):
        lines = imgprompt(command, "--format", "json", "bad.yaml", cwd=tmp_path, ok=(1,)).stdout
        expected = [json.loads(l) for l in lines.splitlines() if l.strip()]
        log = imgprompt(command, "--format", "sarif", "bad.yaml", cwd=tmp_path, ok=(1,)).stdout
        results = sarif_results(log, tmp_path)
        assert [r["ruleId"] for r in results] == [d["code"] for d in expected]
        unknown = next(r for r in results if r["ruleId"] == "unknown-field")
        place = unknown["locations"][0]["physicalLocation"]
        assert place["artifactLocation"]["uri"] == "bad.yaml"
        assert (place["region"]["startLine"], place["region"]["startColumn"]) == (2, 1)
        assert unknown["level"] == "error"
        rules = json.loads(log)["runs"][0]["tool"]["driver"]["rules"]
        assert rules[unknown["ruleIndex"]]["id"] == "unknown-field"


def test_sarif_summary_counts_by_level(tmp_path):
    (tmp_path / "bad.yaml").write_text(BAD)
    log = imgprompt("lint", "--format", "sarif", "bad.yaml", cwd=tmp_path, ok=(1,)).stdout
    (tmp_path / "log.sarif").write_text(log)
    done = subprocess.run(["sarif", "summary", str(tmp_path / "log.sarif")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    errors = sum(1 for r in json.loads(log)["runs"][0]["results"] if r["level"] == "error")
    assert f"Error: {errors}" in done.stdout or f"error: {errors}" in done.stdout.lower(), done.stdout


def git(repo, *args):
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"})


def try_repo(repo):
    """Every hook of this repository, as `pre-commit try-repo` runs them for a user. CI=true: a
    missing snapshot fails, as on a CI runner. Each run builds imgprompt afresh (try-repo uses a
    new store); the shared CARGO_TARGET_DIR keeps that to the imgprompt crate itself."""
    env = {**os.environ, "CI": "true", "NO_COLOR": "1",
           "PRE_COMMIT_HOME": str(ROOT / "target" / "pre-commit" / "home"),
           "CARGO_TARGET_DIR": str(ROOT / "target" / "pre-commit" / "cargo")}
    return subprocess.run(["pre-commit", "try-repo", str(ROOT), "--all-files", "--color", "never"],
                          cwd=repo, capture_output=True, text=True, env=env, timeout=3600)


def hook_section(output, name):
    """The lines pre-commit printed for one hook: its status line and what the hook said."""
    lines = output.splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith(name))
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("imgprompt ")), len(lines))
    return "\n".join(lines[start:end])


def test_pre_commit_hooks_run_from_a_temporary_repository(tmp_path):
    repo = tmp_path / "project"
    (repo / "briefs").mkdir(parents=True)
    (repo / "briefs" / "kite.yaml").write_text(GOOD)
    (repo / "briefs" / "broken.yaml").write_text(BAD)
    (repo / "notes.yaml").write_text(BAD)  # not a brief: outside briefs/, never checked
    # a starter brief and the schema its modeline names, written by `new brief`: the schema is
    # not a brief and is left alone
    imgprompt("new", "brief", "--preset", "poster", "briefs/poster.yaml", cwd=repo)
    assert (repo / "briefs" / "brief.schema.json").is_file()
    # a preset of the project's own, its snapshot not yet accepted
    shutil.copytree(ROOT / "templates" / "poster", repo / "presets" / "poster2")
    manifest = repo / "presets" / "poster2" / "preset.yaml"
    manifest.write_text(manifest.read_text().replace("name: poster", "name: poster2", 1))
    for fixture in (repo / "presets" / "poster2" / "fixtures").glob("*.yaml"):
        fixture.write_text(fixture.read_text().replace("preset: poster", "preset: poster2"))
    shutil.rmtree(repo / "presets" / "poster2" / "fixtures" / "snapshots")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    done = try_repo(repo)
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    for hook in ("imgprompt validate", "imgprompt lint"):
        section = hook_section(out, hook)
        assert "Failed" in section, section
        assert "broken.yaml" in section and "unknown field `subjct`" in section, section
        assert "kite.yaml" not in section and "notes.yaml" not in section, section
        assert "brief.schema.json" not in section, section
    section = hook_section(out, "imgprompt test")
    assert "Failed" in section and "no snapshot" in section, section
    # fixed: the broken brief removed, the snapshots accepted; every hook passes
    (repo / "briefs" / "broken.yaml").unlink()
    imgprompt("test", "presets", "--accept", cwd=repo, env={"CI": ""})
    git(repo, "add", "-A")
    done = try_repo(repo)
    assert done.returncode == 0, done.stdout + done.stderr
    for hook in ("imgprompt validate", "imgprompt lint", "imgprompt test"):
        assert "Passed" in hook_section(done.stdout, hook), done.stdout
