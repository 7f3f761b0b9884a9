"""The wheel gives the record the command line gives, for every shipped example and fixture."""

import json

import imgprompt
import pytest

from conftest import cli, examples, fixtures, json_lines, relative

BRIEFS = [relative(p) for p in examples() + fixtures()]
TARGETS = ["openai", "flux", "gemini", "stability"]


def test_there_is_something_to_compare():
    assert len(examples()) == 3
    assert len(fixtures()) >= 11


@pytest.mark.parametrize("brief", BRIEFS, ids=str)
@pytest.mark.parametrize("target", TARGETS)
def test_render_is_the_cli_record(brief, target):
    done = cli("render", "--emit", "json", "--target", target, str(brief), ok=(0, 1))
    if done.returncode == 1:
        with pytest.raises(imgprompt.BriefError) as e:
            imgprompt.render(brief, target=target)
        assert str(e.value) in done.stderr.replace("\x1b", "")
        return
    assert imgprompt.render(brief, target=target) == json.loads(done.stdout)


@pytest.mark.parametrize("brief", BRIEFS, ids=str)
def test_the_same_brief_as_text_or_dict_renders_the_same(brief):
    from_file = imgprompt.render(brief)
    text = brief.read_text()
    assert imgprompt.render(text)["payload"] == from_file["payload"]
    # the brief as a dict: the parsed brief `expand` gives for a brief without `vary`
    as_dict = next(iter(imgprompt.expand(brief)))["brief"]
    assert isinstance(as_dict, dict) and "subject" in as_dict
    assert imgprompt.render(as_dict)["payload"] == from_file["payload"]
    assert imgprompt.render(as_dict)["prompt"] == from_file["prompt"]


@pytest.mark.parametrize("brief", BRIEFS, ids=str)
def test_validate_gives_the_cli_warnings(brief):
    done = cli("validate", "--format", "json", str(brief), ok=(0, 1))
    assert imgprompt.validate(brief) == json_lines(done.stdout)


@pytest.mark.parametrize("brief", BRIEFS, ids=str)
@pytest.mark.parametrize("all_targets", [False, True])
def test_lint_gives_the_cli_findings(brief, all_targets):
    args = ["lint", "--format", "json", str(brief)] + (["--all-targets"] if all_targets else [])
    done = cli(*args, ok=(0, 1))
    assert imgprompt.lint(brief, all_targets=all_targets) == json_lines(done.stdout)


@pytest.mark.parametrize("brief", BRIEFS, ids=str)
@pytest.mark.parametrize("target", TARGETS + ["midjourney"])
def test_cost_is_the_cli_estimate(brief, target):
    done = cli("cost", "--format", "json", "--target", target, str(brief), ok=(0, 1))
    if done.returncode == 1:
        with pytest.raises(imgprompt.BriefError):
            imgprompt.cost(brief, target=target)
        return
    rows = json.loads(done.stdout)["briefs"]
    assert imgprompt.cost(brief, target=target) == (rows[0]["estimate"] if rows else None)


def test_cost_with_the_batch_api_engine():
    brief = relative(examples()[0])
    done = cli("cost", "--batch-api", "--format", "json", str(brief))
    engine = imgprompt.Engine(batch_api=True)
    assert engine.cost(brief) == json.loads(done.stdout)["briefs"][0]["estimate"]
    assert engine.cost(brief)["per_request"] < imgprompt.cost(brief)["per_request"]


def test_a_strict_engine_lints_like_lint_strict(tmp_path):
    brief = tmp_path / "w.yaml"
    brief.write_text("subject: a kite\navoid: [no text]\n")
    done = cli("--strict", "lint", "--format", "json", str(brief), ok=(1,))
    strict = imgprompt.Engine(strict=True).lint(brief)
    assert strict == json_lines(done.stdout)
    assert strict and all(d["severity"] == "error" for d in strict)


def test_presets_and_models_are_the_cli_listings():
    assert imgprompt.presets() == json.loads(cli("presets", "list", "--format", "json").stdout)
    assert imgprompt.models() == json.loads(cli("models", "--format", "json").stdout)


def test_expand_gives_the_cli_variants(tmp_path):
    brief = tmp_path / "kites.yaml"
    brief.write_text(
        "subject: a kite\nvary:\n  subject: [ink, oil, chalk]\n  output.quality: [low, high]\n"
    )
    done = cli("expand", str(brief))
    assert list(imgprompt.expand(brief)) == json_lines(done.stdout)
    sampled = cli("expand", "--sample", "4", "--seed", "7", str(brief))
    assert list(imgprompt.expand(brief, sample=4, seed=7)) == json_lines(sampled.stdout)


def test_engine_prices_and_partial_images_price_like_the_cli(tmp_path):
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"models": {"gpt-image-2": {"per_image": {
        "as_of": "2027-01-01", "source": "our contract", "prices": {"high": {"1024x1536": 0.1}}}}}}))
    brief = relative(examples()[0])
    for args, kwargs in [(["--prices", str(prices), "cost"], {"prices": prices}),
                         (["cost", "--partial-images", "2"], {"partial_images": 2})]:
        done = cli(*args, "--format", "json", str(brief))
        mine = imgprompt.Engine(**kwargs).cost(brief)
        assert mine == json.loads(done.stdout)["briefs"][0]["estimate"]
        assert mine != imgprompt.cost(brief), kwargs


@pytest.mark.parametrize("kwarg", ["models", "prices", "target_limits", "families"])
def test_every_engine_file_argument_is_read(kwarg, tmp_path):
    missing = tmp_path / f"no-{kwarg}.json"
    with pytest.raises(imgprompt.BriefError, match=f"no-{kwarg}.json"):
        imgprompt.Engine(**{kwarg: missing})


def test_engine_styles_folder_is_read(tmp_path):
    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "broken.json").write_text("{ not json")
    with pytest.raises(imgprompt.BriefError, match="broken.json"):
        imgprompt.Engine(styles=[tmp_path / "styles"])
