//! Model families: one brief, one prompt per family, each the way its provider's guide asks
//! (`data/families.json`); a model per target; the families' data overridable; a preset's own
//! template for one family; a preset written before families keeps one body; the reported
//! prose defects stay fixed.
use imgprompt::prompt::family::Family;
use imgprompt::targets::TargetId;
use imgprompt::{Engine, SourceFile};
use serde_json::{Value, json};

use crate::common::{self, cli};

fn prompt(engine: &Engine, brief: &Value, family: Family) -> String {
    engine
        .render_value(brief.clone(), None, TargetId::of_family(family).target())
        .unwrap_or_else(|d| panic!("{family}: {}", d.render(false)))
        .prompt
}

/// What each family's guide asks of the same brief.
#[test]
fn one_brief_five_prompts_each_by_its_guide() {
    let engine = common::engine();
    let brief = json!({
        "preset": "poster",
        "subject": "an open-air jazz night in a city park",
        "style": {"medium": "screen-printed gig poster", "lighting": "golden-hour glow", "mood": ["warm"]},
        "composition": {"background": "a skyline at dusk"},
        "text": {"headline": "Blue Notes", "date": {"content": "Friday 12 June", "placement": "bottom left"}},
        "avoid": ["people", "clutter"]
    });
    let gpt = prompt(&engine, &brief, Family::Gpt);
    // scene → subject → details → constraints; the text rule and the avoid list last
    let scene = gpt.find("a skyline at dusk").expect("scene");
    let subject = gpt.find("jazz night").expect("subject");
    let text = gpt.find("\"Blue Notes\"").expect("text");
    let rule = gpt.find("add no other text").expect("rule");
    assert!(scene < subject && subject < text && text < rule, "{gpt}");
    assert!(gpt.ends_with("Avoid people and clutter."), "{gpt}");
    // each text with its size and place beside its quote
    assert!(
        gpt.contains("the headline \"Blue Notes\" (largest type)"),
        "{gpt}"
    );
    assert!(
        gpt.contains("the date \"Friday 12 June\" (small type, bottom left)"),
        "{gpt}"
    );
    for family in [Family::Gemini, Family::Flux] {
        let p = prompt(&engine, &brief, family);
        // no negation: the avoid list as the wanted state (the FLUX guide's own rewrite)
        for word in ["Avoid", " no ", " not ", "without"] {
            assert!(!p.contains(word), "{family} says {word:?}: {p}");
        }
        assert!(p.contains("an empty, deserted setting"), "{family}: {p}");
        assert!(!p.contains("Style:") && !p.contains("; b"), "{family}: {p}");
    }
    let flux = prompt(&engine, &brief, Family::Flux);
    // subject and quoted text front-loaded, lighting named
    assert!(
        flux.starts_with("A screen-printed gig poster for an open-air jazz night"),
        "{flux}"
    );
    assert!(flux.find("\"Blue Notes\"").expect("text") < 120, "{flux}");
    assert!(flux.contains("It is lit by golden-hour glow."), "{flux}");
    let gemini = prompt(&engine, &brief, Family::Gemini);
    assert!(
        gemini.starts_with("Create a screen-printed gig poster"),
        "{gemini}"
    );
    // Stability: the negatives go to negative_prompt, none in the prompt
    let r = engine
        .render_value(brief.clone(), None, &imgprompt::targets::Stability)
        .expect("stability");
    assert!(
        !r.prompt.contains("Avoid") && !r.prompt.contains("people"),
        "{}",
        r.prompt
    );
    assert!(
        r.payload.body.to_string().contains("people"),
        "{}",
        r.payload.body
    );
    // Midjourney: phrases, no instruction sentences, the avoid list as --no at the end
    let r = engine
        .render_value(brief.clone(), None, &imgprompt::targets::Midjourney)
        .expect("midjourney");
    for word in ["Render", "Create", "Avoid", "Intended"] {
        assert!(
            !r.prompt.contains(word),
            "midjourney says {word}: {}",
            r.prompt
        );
    }
    let line = r.payload.body["prompt"].as_str().expect("line");
    assert!(line.contains("headline \"Blue Notes\""), "{line}");
    assert!(line.contains(" --no people, clutter"), "{line}");
}

/// `photorealistic` for photographs (GPT image), not for other media; the intended use does not
/// echo the opening; no "Intended use: for the brand …".
#[test]
fn gpt_mode_words_follow_the_cookbook() {
    let engine = common::engine();
    let p = prompt(
        &engine,
        &json!({"preset": "product", "subject": "a ceramic mug", "context": {"purpose": "product photograph", "brand": "Corner Café"}}),
        Family::Gpt,
    );
    assert!(p.contains("photorealistic"), "{p}");
    assert!(!p.contains("Intended use: for the brand"), "{p}");
    assert!(p.contains("for the brand Corner Café"), "{p}");
    // every word of the purpose is in the opening: it would only echo it
    assert!(!p.contains("Intended use: product photograph"), "{p}");
    let p = prompt(
        &engine,
        &json!({"preset": "poster", "subject": "a fair"}),
        Family::Gpt,
    );
    assert!(!p.contains("photorealistic"), "{p}");
    let p = prompt(
        &engine,
        &json!({"preset": "poster", "subject": "a design conference", "style": {"medium": "event poster"}, "context": {"purpose": "event poster for a design conference"}}),
        Family::Gpt,
    );
    assert!(
        !p.contains("Intended use"),
        "the use echoes the opening: {p}"
    );
}

/// The typography preset's `params.kind` no longer replaces the user's medium.
#[test]
fn typography_kind_keeps_the_medium() {
    let engine = common::engine();
    for family in Family::ALL {
        let p = prompt(
            &engine,
            &json!({"preset": "typography", "subject": "the day's dishes", "style": {"medium": "hand-lettered chalkboard menu"}, "params": {"kind": "infographic"}, "text": {"title": "Today"}}),
            family,
        );
        assert!(p.contains("hand-lettered chalkboard menu"), "{family}: {p}");
        assert!(p.contains("made as an infographic"), "{family}: {p}");
    }
}

/// `targets.<target>.model` is that target's model: switching `--target` no longer warns about
/// the OpenAI model of `output.model`, which the OpenAI target still uses.
#[test]
fn a_model_per_target() {
    let dir = Scratch::new(&[(
        "b.yaml",
        "preset: poster\nsubject: a fair\noutput:\n  model: gpt-image-2\ntargets:\n  gemini:\n    model: gemini-3-pro-image\n",
    )]);
    let (code, _, err) = dir.run(&["render", "--target", "gemini", "b.yaml"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("OpenAI model"), "{err}");
    let (_, out, _) = dir.run(&["render", "--emit", "json", "--target", "gemini", "b.yaml"]);
    let rec: Value = serde_json::from_str(&out).expect("json");
    let url = rec["payload"]["url"].as_str().expect("url");
    assert!(url.contains("/models/gemini-3-pro-image:"), "{rec}");
    let (_, out, _) = dir.run(&["render", "b.yaml"]);
    let body: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(body["model"], "gpt-image-2");
    // a model that is not a name is an error at its own place
    dir.write(
        "b.yaml",
        "subject: a fair\ntargets:\n  flux:\n    model: 7\n",
    );
    let (code, _, err) = dir.run(&["render", "--target", "flux", "b.yaml"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("`targets.flux.model` must be a model name") && err.contains(":4:12"),
        "{err}"
    );
}

/// `--families FILE` is laid over the shipped rules: a rewrite added there is used, and an
/// unknown key is an error pointing into the file.
#[test]
fn the_families_data_is_overridable() {
    let dir = Scratch::new(&[(
        "families.json",
        r#"{"rewrites": [{"avoid": ["boats"], "without_text": "a calm, empty sea", "with_text": "a calm, empty sea", "source": "mine"}]}"#,
    )]);
    let brief = common::root().join("tests/inputs/lint/family-rewrite.yaml");
    let brief = brief.to_str().expect("utf-8 path");
    let flux = ["render", "--emit", "prompt", "--target", "flux", brief];
    let (_, shipped, _) = dir.run(&flux);
    assert!(shipped.contains("a look free of boats"), "{shipped}");
    let (code, mine, _) = dir.run(&[&["--families", "families.json"][..], &flux].concat());
    assert_eq!(code, Some(0));
    assert!(
        mine.contains("a calm, empty sea") && !mine.contains("boats"),
        "{mine}"
    );
    // the same file named by IMGPROMPT_FAMILIES
    let (_, by_env, _) = dir.run_env(&flux, ("IMGPROMPT_FAMILIES", "families.json"));
    assert_eq!(by_env, mine);
    dir.write("families.json", "{\n  \"rewritez\": []\n}");
    let (code, _, err) = dir.run(&[&["--families", "families.json"][..], &flux].concat());
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("families-file") && err.contains(":2:3") && err.contains("rewrites"),
        "{err}"
    );
}

/// `lint --all-targets` checks every family's rules; one target's findings are its own.
#[test]
fn lint_checks_every_family() {
    let dir = Scratch::new(&[]);
    let brief = common::root().join("tests/inputs/lint/family-rewrite.yaml");
    let brief = brief.to_str().expect("utf-8 path");
    let (_, openai, _) = dir.run(&["lint", brief]);
    assert!(!openai.contains("family-rewrite"), "{openai}");
    let (_, all, _) = dir.run(&["lint", "--all-targets", brief]);
    assert!(
        all.contains("Gemini image takes no negatives") && all.contains("FLUX takes no negatives"),
        "{all}"
    );
}

/// A preset's `prompt.<family>.tera` writes that family's whole prompt; a preset written before
/// families (`writes: prompt`, the default) gives every family its one body.
#[test]
fn a_preset_may_write_one_family_itself() {
    let dir = Scratch::new(&[
        (
            "presets/mine/preset.yaml",
            "name: mine\ndescription: d\nwrites: details\ntext_roles:\n  headline: {description: h, size: largest}\n",
        ),
        (
            "presets/mine/prompt.tera",
            "{% if params %}{% endif %}subject: at night\n",
        ),
        (
            "presets/mine/prompt.flux.tera",
            "A night view of {{ subject | phrase }} with the words {{ text_by_role.headline.values | first }}.\n",
        ),
        (
            "presets/old/preset.yaml",
            "name: old\ndescription: d\ntext_roles:\n  headline: {description: h}\n",
        ),
        (
            "presets/old/prompt.tera",
            "Paint {{ subject | phrase }}. {{ text | exact_text_sentence }}\n",
        ),
        (
            "b.yaml",
            "preset: mine\nsubject: a harbour\ntext:\n  headline: \"{{ x }}\"\n",
        ),
        (
            "o.yaml",
            "preset: old\nsubject: a harbour\ntext:\n  headline: Hi\n",
        ),
    ]);
    let prompt = |file: &str, target: &str| dir.prompt(file, target);
    // the family's own template, the exact text still verbatim (a placeholder, never code)
    assert_eq!(
        prompt("b.yaml", "flux"),
        "A night view of a harbour with the words {{ x }}."
    );
    let gemini = prompt("b.yaml", "gemini");
    assert!(
        gemini.starts_with("Create an image of a harbour, at night, with the headline \"{{ x }}\""),
        "{gemini}"
    );
    let one = prompt("o.yaml", "openai");
    for target in ["gemini", "flux", "stability", "midjourney"] {
        // (Midjourney's line adds its parameters)
        assert!(prompt("o.yaml", target).starts_with(&one), "{target}");
    }
}

/// The shipped examples' prompt for every family, as the README shows them.
#[test]
fn the_readme_shows_the_five_prompts_of_one_brief() {
    let engine = common::engine();
    let readme = std::fs::read_to_string(common::root().join("README.md")).expect("readme");
    let path = common::root().join("examples/poster-future-forms.yaml");
    let source = SourceFile::read(&path, None).expect("example");
    for family in Family::ALL {
        let p = engine.family_prompt(&source, family).expect("renders");
        assert!(
            readme.contains(&p),
            "the README lacks the {family} prompt:\n{p}"
        );
    }
}

/// Defects a review found in the first version of the writers, each kept fixed.
#[test]
fn the_writers_frame_the_users_words_without_doubling_them() {
    let engine = common::engine();
    let brief = json!({
        "preset": "poster",
        "subject": "a fair",
        "style": {"lighting": "lit by candles", "mood": ["calm mood"], "palette": ["muted earth-tone palette"]},
        "composition": {"scene": "on a beach at dusk", "background": "a minimal background"},
        "context": {"purpose": "ad", "channel": "city bus shelters"},
        "avoid": ["no dogs", "not blurry"],
        "text": {"body": ["one", "two"], "cta": ["Buy", "Go"]}
    });
    for family in Family::ALL {
        let p = prompt(&engine, &brief, family);
        for doubled in [
            "lit by lit by",
            "mood mood",
            "palette colour palette",
            "palette palette",
            "in on a",
            "background as the background",
            "as a for",
            "no dogs",
            "free of no",
            "not blurry",
        ] {
            assert!(
                !p.to_lowercase().contains(doubled),
                "{family}: {doubled:?} in {p}"
            );
        }
        // a purpose of short words is said, not taken for an echo
        assert!(p.contains("ad, for city bus shelters"), "{family}: {p}");
        assert!(
            p.contains("calls to action \"Buy\" and \"Go\"")
                && p.contains("body copies \"one\" and \"two\""),
            "{family}: {p}"
        );
    }
    let r = engine
        .render_value(brief.clone(), None, &imgprompt::targets::Midjourney)
        .expect("mj");
    assert!(
        r.payload.body["prompt"]
            .as_str()
            .is_some_and(|l| l.contains("--no dogs, blurry")),
        "{}",
        r.payload.body
    );
    let flux = prompt(&engine, &brief, Family::Flux);
    assert!(
        flux.contains("a look free of dogs") && flux.contains("sharp focus throughout"),
        "{flux}"
    );
    // the interface rule says "this text" for one text, "these texts" for several
    let one = json!({"preset": "ui", "subject": "a login screen", "text": {"title": "Sign in"}});
    assert!(prompt(&engine, &one, Family::Gpt).contains("Render this text exactly"));
    assert!(prompt(&engine, &one, Family::Flux).contains("This text is spelled exactly"));
    let two = json!({"preset": "ui", "subject": "a login screen", "text": {"title": "Sign in", "button": "Go"}});
    assert!(prompt(&engine, &two, Family::Gpt).contains("Render these texts exactly"));
    // a use with no purpose is "for …", never "as a for …"
    let p = prompt(
        &engine,
        &json!({"subject": "a sale", "context": {"channel": "Instagram stories"}}),
        Family::Gemini,
    );
    assert!(
        p.contains("Intended use: for Instagram stories.") && !p.contains("as a for"),
        "{p}"
    );
}

/// A preset phrase that starts with the user's words keeps their first letter; an exact text in
/// a details line keeps its final dots.
#[test]
fn a_preset_phrase_keeps_the_users_bytes() {
    let dir = Scratch::new(&[
        (
            "presets/said/preset.yaml",
            "name: said\ndescription: d\nwrites: details\ntext_roles:\n  headline: {description: h, size: largest}\nparams:\n  type: object\n  properties:\n    x: {type: string}\n",
        ),
        (
            "presets/said/prompt.tera",
            "constraint: {{ params.x }}\ntext: the headline reads {{ text_by_role.headline.values | first }}.\n",
        ),
        (
            "b.yaml",
            "preset: said\nsubject: a phone\nparams:\n  x: iPhone notch area clear\ntext:\n  headline: Wait...\n",
        ),
    ]);
    for target in ["openai", "gemini", "flux", "stability"] {
        let p = dir.prompt("b.yaml", target);
        assert!(
            p.contains("iPhone notch area clear") && !p.contains("IPhone"),
            "{target}: {p}"
        );
        assert!(p.contains("reads Wait..."), "{target}: {p}");
    }
}

/// A model for a target with no other options leaves no "takes no options" warning; `--families`
/// refuses another family's name (with its place in the file) and an empty rewrite.
#[test]
fn model_and_families_errors_say_what_is_wrong() {
    let dir = Scratch::new(&[(
        "b.yaml",
        "subject: a cat\ntargets:\n  openai:\n    model: gpt-image-1.5\n",
    )]);
    let (_, out, err) = dir.run(&["render", "b.yaml"]);
    assert!(!err.contains("takes no options"), "{err}");
    let body: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(body["model"], "gpt-image-1.5");
    for (file, want) in [
        ("{\"families\": {\n  \"dalle\": {}\n}}", ":2:3"),
        (
            "{\"rewrites\": [{\"avoid\": [\"x\"], \"without_text\": \"\", \"with_text\": \"y\", \"source\": \"s\"}]}",
            "rewrites[0].without_text",
        ),
    ] {
        dir.write("f.json", file);
        let (code, _, err) = dir.run(&["--families", "f.json", "render", "b.yaml"]);
        assert_eq!(code, Some(1));
        assert!(err.contains("families-file") && err.contains(want), "{err}");
    }
}

/// A folder of files for one test, removed when it ends, where the binary runs.
struct Scratch(tempfile::TempDir);

impl Scratch {
    fn new(files: &[(&str, &str)]) -> Scratch {
        let dir = Scratch(tempfile::tempdir().expect("temp dir"));
        for (name, text) in files {
            dir.write(name, text);
        }
        dir
    }

    fn write(&self, name: &str, text: &str) {
        let path = self.0.path().join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("dir");
        std::fs::write(path, text).expect("write");
    }

    /// Runs `imgprompt ARGS` here: the exit code, stdout and stderr.
    fn run(&self, args: &[&str]) -> (Option<i32>, String, String) {
        self.run_env(args, ("IMGPROMPT_UNSET", ""))
    }

    /// [`Scratch::run`] with one environment variable set.
    fn run_env(&self, args: &[&str], (key, value): (&str, &str)) -> (Option<i32>, String, String) {
        let out = cli()
            .current_dir(self.0.path())
            .env(key, value)
            .args(args)
            .output()
            .expect("run");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// The prompt `render --emit prompt --target TARGET FILE` prints (it must succeed).
    fn prompt(&self, file: &str, target: &str) -> String {
        let (code, out, err) = self.run(&["render", "--emit", "prompt", "--target", target, file]);
        assert_eq!(code, Some(0), "{err}");
        out.trim().to_string()
    }
}

/// Every built-in preset's example and fixtures, and the shipped examples, meet every family's
/// rules (`lint --all-targets` finds no family rule broken and no text without rank or place).
#[test]
fn the_built_in_briefs_meet_every_familys_rules() {
    let mut briefs = vec![
        String::from("examples/poster-future-forms.yaml"),
        String::from("examples/product-water-bottle.yaml"),
        String::from("examples/ui-finance-dashboard.json"),
    ];
    for preset in std::fs::read_dir(common::root().join("templates")).expect("templates") {
        let dir = preset.expect("entry").path();
        for sub in [dir.clone(), dir.join("fixtures")] {
            for f in std::fs::read_dir(&sub).into_iter().flatten().flatten() {
                let name = f.file_name().to_string_lossy().into_owned();
                let brief = (name.ends_with(".yaml") || name.ends_with(".json"))
                    && !name.ends_with(".assert.yaml")
                    && name != "preset.yaml";
                if brief {
                    briefs.push(f.path().to_string_lossy().into_owned());
                }
            }
        }
    }
    assert!(briefs.len() >= 18, "{briefs:?}");
    let out = cli()
        .args(["lint", "--all-targets", "--format", "json"])
        .args(&briefs)
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    for line in text.lines() {
        let d: Value = serde_json::from_str(line).expect("a JSON line");
        let code = d["code"].as_str().unwrap_or_default();
        assert!(
            !code.starts_with("family-") && code != "text-unplaced",
            "{line}"
        );
    }
}
