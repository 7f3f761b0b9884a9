"""The Python API itself: inputs, errors, laziness, typing, and what the wheel holds."""

import doctest
import os
import pathlib
import resource
import zipfile

import imgprompt
import pytest

from conftest import ROOT

KITE = {"subject": "a red kite", "text": {"headline": "FLY HIGH"}}


def test_a_dict_a_yaml_text_and_a_json_text():
    assert '"FLY HIGH"' in imgprompt.render(KITE)["prompt"]
    yaml = "subject: a red kite\ntext:\n  headline: FLY HIGH\n"
    assert imgprompt.render(yaml)["prompt"] == imgprompt.render(KITE)["prompt"]
    assert imgprompt.render('{"subject": "a red kite", "text": {"headline": "FLY HIGH"}}', format="json")[
        "prompt"
    ] == imgprompt.render(KITE)["prompt"]


def test_a_path_as_str_is_text_but_a_pathlib_path_is_a_file():
    example = ROOT / "examples" / "poster-future-forms.yaml"
    assert imgprompt.render(example)["preset"] == "poster"
    with pytest.raises(imgprompt.BriefError):
        # a str is always the brief's text: this one is not a mapping of fields
        imgprompt.render(str(example) + " is not a brief: [")


def test_brief_error_carries_the_diagnostics_and_prints_like_the_cli():
    with pytest.raises(imgprompt.BriefError) as e:
        imgprompt.render("subjct: a kite\n")
    err = e.value
    assert isinstance(err, ValueError)
    codes = sorted(d["code"] for d in err.diagnostics)
    assert codes == ["missing-field", "unknown-field"]
    unknown = next(d for d in err.diagnostics if d["code"] == "unknown-field")
    assert (unknown["line"], unknown["column"], unknown["path"]) == (1, 1, "subjct")
    assert "did you mean `subject`?" in unknown["help"]
    text = str(err)
    assert "error[unknown-field]: unknown field `subjct`" in text
    assert "<string>:1:1" in text


def test_a_missing_file_is_a_brief_error_naming_it(tmp_path):
    with pytest.raises(imgprompt.BriefError) as e:
        imgprompt.render(tmp_path / "nowhere.yaml")
    assert "nowhere.yaml" in str(e.value)
    assert e.value.diagnostics[0]["code"] == "io"


def test_unknown_target_and_format():
    with pytest.raises(imgprompt.BriefError) as e:
        imgprompt.render(KITE, target="dalle-9")
    assert e.value.diagnostics[0]["code"] == "unknown-target"
    with pytest.raises(ValueError, match="format must be"):
        imgprompt.render(KITE, format="toml")


@pytest.mark.parametrize(
    "value, message",
    [
        ({1: "x"}, "keys of a brief are strings"),
        ({"subject": object()}, "is a object"),
        ({"subject": float("nan")}, "no NaN"),
        ({"n": 2**70}, "64-bit"),
    ],
)
def test_values_json_cannot_hold_are_refused_with_their_path(value, message):
    with pytest.raises((TypeError, ValueError), match=message):
        imgprompt.render(value)


def test_a_lone_surrogate_is_refused_with_its_path():
    with pytest.raises(ValueError, match="`text.headline` is not valid Unicode"):
        imgprompt.render({"subject": "x", "text": {"headline": "k\ud800"}})


def test_a_file_name_given_as_str_says_to_pass_a_path():
    example = "examples/poster-future-forms.yaml"
    with pytest.raises(ValueError, match=r'pass pathlib.Path\("examples/poster-future-forms.yaml"\)'):
        imgprompt.render(example)
    assert imgprompt.render(pathlib.Path(example))["preset"] == "poster"


def test_a_list_that_contains_itself_is_refused_not_followed():
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="nests deeper"):
        imgprompt.render({"subject": "x", "avoid": loop})


def test_validate_returns_warnings_and_raises_on_errors():
    assert imgprompt.validate(KITE) == []
    with pytest.raises(imgprompt.BriefError):
        imgprompt.validate({"subject": "x", "output": {"size": "13x7"}})


def test_lint_never_raises_for_the_brief():
    found = imgprompt.lint({"subjct": "x"})
    assert any(d["severity"] == "error" for d in found)


def test_expand_is_lazy_a_million_variants_in_flat_memory():
    ten = [f"v{i}" for i in range(10)]
    axes = ["subject", "name", "text.headline", "text.label", "text.cta"]
    brief = {"subject": "a kite", "vary": {k: ten for k in axes}}
    brief["vary"]["avoid"] = [[v] for v in ten]
    variants = imgprompt.expand(brief)
    assert len(variants) == 1_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    seen = 0
    for v in variants:
        seen += 1
        if seen == 200_000:
            break
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert seen == 200_000
    assert len(variants) == 800_000  # len() is what is left to read
    assert grown_kib < 50 * 1024, f"peak RSS grew {grown_kib} KiB"
    last = list(imgprompt.expand(brief, sample=1, seed=3))
    assert len(last) == 1 and set(last[0]) == {"index", "id", "values", "brief"}


def test_engine_with_a_preset_folder(tmp_path):
    with pytest.raises(imgprompt.BriefError):
        imgprompt.Engine(presets=[tmp_path / "missing"])
    assert imgprompt.Engine().render(KITE) == imgprompt.render(KITE)


def test_threads_render_at_once():
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        prompts = set(pool.map(lambda _: imgprompt.render(KITE)["prompt"], range(64)))
    assert len(prompts) == 1


def test_the_stub_examples_run():
    """Every example in the stub's docstrings runs and prints what it says."""
    import ast

    tree = ast.parse((pathlib.Path(__file__).parents[1] / "imgprompt.pyi").read_text())
    nodes = [tree] + [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    examples = 0
    for node in nodes:
        doc = ast.get_docstring(node, clean=True)
        if doc:
            name = getattr(node, "name", "imgprompt")
            test = parser.get_doctest(doc, {"imgprompt": imgprompt}, name, "imgprompt.pyi", 0)
            examples += len(test.examples)
            runner.run(test)
    assert examples >= 10
    assert runner.failures == 0


def test_the_wheel_is_typed_and_holds_only_the_engine():
    wheel = os.environ["IMGPROMPT_WHEEL"]
    names = zipfile.ZipFile(wheel).namelist()
    assert "imgprompt/py.typed" in names
    assert "imgprompt/__init__.pyi" in names
    assert "abi3" in os.path.basename(wheel)
    module = next(n for n in names if n.endswith(".so") or n.endswith(".pyd"))
    binary = zipfile.ZipFile(wheel).read(module)
    # the crates' source paths (in panic locations) name what was compiled in: the engine's...
    for crate in [b"/tera-2.", b"/jsonschema-0.", b"/serde_json-1."]:
        assert crate in binary, crate
    # ...and none of the server, the HTTP client, the image decoder or the command-line parser
    for crate in [b"/axum-0.", b"/hyper-1.", b"/tokio-1.", b"/ureq-3.", b"/rustls-0.", b"/image-0.",
                  b"/clap_builder-4.", b"/indicatif-0.", b"/mimalloc"]:
        assert crate not in binary, crate
