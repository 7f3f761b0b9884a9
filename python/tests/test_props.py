"""Property tests: any JSON-like value through every entry point raises only BriefError (or the
TypeError/ValueError of a value JSON cannot hold), and exact text is kept verbatim."""

import imgprompt
from hypothesis import given
from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
keys = st.sampled_from(["preset", "subject", "style", "composition", "text", "context", "avoid",
                        "output", "params", "vary", "targets", "name"]) | st.text(max_size=8)
briefs = st.dictionaries(keys, json_values, max_size=6)


@given(briefs)
def test_any_brief_through_every_entry_point(brief):
    for call in (imgprompt.render, imgprompt.validate, imgprompt.cost):
        try:
            call(brief)
        except imgprompt.BriefError as e:
            assert e.diagnostics and str(e)
    for d in imgprompt.lint(brief):
        assert {"severity", "code", "message"} <= set(d)
    try:
        for i, _ in enumerate(imgprompt.expand(brief)):
            if i > 50:
                break
    except imgprompt.BriefError as e:
        assert e.diagnostics


@given(st.text(min_size=1))
def test_any_text_is_data_never_code(text):
    try:
        imgprompt.render(text)
    except imgprompt.BriefError as e:
        assert e.diagnostics


@given(st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=40))
def test_exact_text_is_verbatim_in_prompt_and_payload(headline):
    try:
        r = imgprompt.render({"preset": "poster", "subject": "a concert", "text": {"headline": headline}})
    except imgprompt.BriefError as e:
        assert e.diagnostics
        return
    assert headline in r["prompt"]
    assert r["payload"]["body"]["prompt"] == r["prompt"]
