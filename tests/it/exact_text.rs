//! Exact text is sacred: whatever a text holds, it reaches the prompt and the payload byte for
//! byte, in double quotes, and is never interpreted as template code. A table of nasty strings,
//! then thousands of generated ones (a seeded generator, so failures reproduce).
use imgprompt::SourceFile;
use imgprompt::targets::OpenAi;
use serde_json::json;

use crate::common;

const NASTY: &[&str] = &[
    "Future Forms",
    "",
    " leading and trailing spaces ",
    "double  space",
    "{{ subject }}",
    "{{ 1 + 1 }}",
    "{% for x in range(end=3) %}loop{% endfor %}",
    "{# comment #}",
    "{% raw %}{{ x }}{% endraw %}",
    "{{ <exact_text items={text}/> }}",
    "\"quoted\"",
    "'single'",
    "back\\slash \\n not a newline",
    "line one\nline two",
    "crlf\r\nline",
    "tab\there",
    "<b>html</b> & entities &amp;",
    "$HOME `whoami` $(rm -rf /)",
    "emoji 👩🏽‍🚀 ZWJ",
    "combining é vs é",
    "RTL: مرحبا بالعالم",
    "CJK: 未来のかたち",
    "\u{200B}zero width",
    "\u{E000}0\u{E001}",
    "\u{E000}1\u{E001} looks like a placeholder",
    "ends with period.",
    ",leading comma",
    "a , b ,, c",
    "(parenthesised)",
    "()",
    "100% off!!!",
    "null",
    "true",
    "~",
    "- dash",
    "# hash",
    "key: value",
];

/// Every string of a JSON value.
fn strings(v: &serde_json::Value) -> Vec<&str> {
    match v {
        serde_json::Value::String(s) => vec![s.as_str()],
        serde_json::Value::Array(a) => a.iter().flat_map(strings).collect(),
        serde_json::Value::Object(o) => o.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

fn check(engine: &imgprompt::Engine, preset: &str, role: &str, text: &str) {
    let brief = json!({
        "preset": preset,
        "subject": "a test image",
        "text": { role: text, "labels": [text, "second"] },
    });
    let mut brief = brief;
    if preset != "ui" && preset != "basic" {
        brief["text"].as_object_mut().map(|m| m.remove("labels"));
    }
    let r = engine
        .render_value(brief.clone(), None, &OpenAi)
        .unwrap_or_else(|d| panic!("{preset}/{role} {text:?}:\n{}", d.render(false)));
    // wrapped in straight quotes, or in curly ones (guillemets) when it holds straight quotes
    let (open, close) = imgprompt::prompt::family::QUOTES
        .iter()
        .copied()
        .find(|(o, c)| !text.contains([*o, *c]))
        .unwrap_or(('"', '"'));
    let quoted = format!("{open}{text}{close}");
    assert!(
        r.prompt.contains(&quoted),
        "{preset}: {text:?} not verbatim in:\n{}",
        r.prompt
    );
    assert_eq!(r.payload.body["prompt"].as_str(), Some(r.prompt.as_str()));
    // every family's prompt, and a string of its request, holds it verbatim
    for family in imgprompt::prompt::family::Family::ALL {
        let target = imgprompt::targets::TargetId::of_family(family).target();
        let r = engine
            .render_value(brief.clone(), None, target)
            .unwrap_or_else(|d| panic!("{family} {preset}/{role} {text:?}:\n{}", d.render(false)));
        assert!(
            r.prompt.contains(&quoted),
            "{family} {preset}: {text:?} not verbatim in:\n{}",
            r.prompt
        );
        // a Midjourney line holds no line break and no `--` (it would start a parameter): the
        // text goes with a space or a dash there, and a warning says so
        let sent = if family == imgprompt::prompt::family::Family::Midjourney {
            quoted
                .replace("\r\n", " ")
                .replace(
                    [
                        '\n', '\r', '\u{2028}', '\u{2029}', '\u{b}', '\u{c}', '\u{85}',
                    ],
                    " ",
                )
                .replace("--", "—")
        } else {
            quoted.clone()
        };
        assert!(
            strings(&r.payload.body).iter().any(|s| s.contains(&sent)),
            "{family} {preset}: {text:?} not verbatim in the request"
        );
        assert_eq!(
            sent != quoted,
            r.warnings.iter().any(|w| w.code == "text-altered"),
            "{family} {preset}: {text:?}"
        );
    }
    // and through a YAML file too: what the user wrote is what the payload carries
    let yaml = format!(
        "preset: {preset}\nsubject: a test image\ntext:\n  {role}: {}\n",
        serde_json::to_string(text).expect("json")
    );
    let r2 = engine
        .render(
            &SourceFile::new("t.yaml", yaml, Some(imgprompt::Format::Yaml)),
            &OpenAi,
        )
        .unwrap_or_else(|d| panic!("yaml {text:?}: {}", d.render(false)));
    assert!(r2.prompt.contains(&quoted));
}

#[test]
fn nasty_strings_are_verbatim() {
    let engine = common::engine();
    for text in NASTY {
        for (preset, role) in [
            ("basic", "headline"),
            ("poster", "headline"),
            ("product", "label"),
            ("ui", "title"),
        ] {
            check(&engine, preset, role, text);
        }
    }
}

/// splitmix64: a tiny seeded generator, so any failure reproduces.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[test]
fn generated_strings_are_verbatim() {
    const ALPHABET: &[&str] = &[
        "{", "}", "{{", "}}", "{%", "%}", "{#", "#}", "\"", "'", "\\", "\n", "\t", " ", "  ", ",",
        ".", ";", ":", "(", ")", "<", ">", "&", "|", "~", "$", "`", "a", "Z", "0", "é", "ß", "ж",
        "中", "😀", "\u{E000}", "\u{E001}", "\u{FEFF}", "\u{0301}", "-", "x", " and ", "upper",
        "safe",
    ];
    let engine = common::engine();
    let mut rng = Rng(0x1234_5678);
    for case in 0..3000 {
        let len = (rng.next() % 24) as usize;
        let text: String = (0..len)
            .map(|_| ALPHABET[(rng.next() % ALPHABET.len() as u64) as usize])
            .collect();
        let preset = ["basic", "poster", "product", "ui"][case % 4];
        let role = ["headline", "headline", "label", "title"][case % 4];
        check(&engine, preset, role, &text);
    }
}

/// A headline of every BMP private-use character (U+E000–U+F8FF, where the placeholders and marks
/// are usually picked) beside other fields that hold look-alike placeholders: the headline
/// reaches the prompt verbatim and nothing else changes — the prompt is the one a plain headline
/// gives, with that headline in its place (the delimiters move to plane 15).
#[test]
fn a_headline_of_every_bmp_private_use_character_is_verbatim() {
    let every: String = (0xE000u32..=0xF8FF).filter_map(char::from_u32).collect();
    assert_eq!(every.chars().count(), 6400);
    let brief = |headline: &str| {
        json!({
            "preset": "basic",
            "subject": "a shop sign reading \u{E000}0\u{E001} in neon",
            "style": {"mood": ["calm \u{E002}1\u{E003}"]},
            "text": {"headline": headline, "labels": ["OPEN", "\u{E000}1\u{E001}"]},
            "avoid": ["blur \u{E000}0\u{E001}"],
        })
    };
    let engine = common::engine();
    let plain = "PLAIN-HEADLINE";
    let expected = engine
        .render_value(brief(plain), None, &OpenAi)
        .unwrap_or_else(|d| panic!("{}", d.render(false)))
        .prompt;
    assert!(expected.contains(&format!("\"{plain}\"")), "{expected}");
    assert!(expected.contains("a shop sign reading \u{E000}0\u{E001} in neon"));
    let r = engine
        .render_value(brief(&every), None, &OpenAi)
        .unwrap_or_else(|d| panic!("{}", d.render(false)));
    assert!(
        r.prompt.contains(&format!("\"{every}\"")),
        "the headline is cut or changed"
    );
    assert!(
        r.prompt == expected.replace(plain, &every),
        "another field changed:\n{}",
        r.prompt.replace(&every, "<EVERY>")
    );
    assert_eq!(r.payload.body["prompt"].as_str(), Some(r.prompt.as_str()));
}
