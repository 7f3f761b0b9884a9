//! The shared components became one Rust call each (`usage_sentence`, `composition_sentence`,
//! `style_sentence`, `exact_text_sentence`, `text_rule_sentence`, `avoid_sentence`) for speed. Their template
//! bodies, as they were, are kept here as the reference: over thousands of generated inputs —
//! user phrases (marked, as the engine passes them, and not), blanks, lists, missing parts,
//! articles by sound — the functions write exactly what the template bodies wrote.
use tera::{Context, Tera, Value};

const REFERENCE: &str = r#"
{%- component usage_ref(ctx) -%}
{%- if ctx.purpose or ctx.channel or ctx.platform or ctx.audience or ctx.brand -%}
Intended use: {{ ctx.purpose | default(value="", boolean=true) | phrase }}
{%- if ctx.channel %}, published on {{ ctx.channel | phrase }}{% endif -%}
{%- if ctx.platform %}, on {{ ctx.platform | phrase }}{% endif -%}
{%- if ctx.audience %}, for {{ ctx.audience | phrase }}{% endif -%}
{%- if ctx.brand %}, for the brand {{ ctx.brand | phrase }}{% endif %}.
{%- endif -%}
{%- endcomponent usage_ref -%}

{%- component composition_ref(c, lead="Composition") -%}
{%- set parts = [c.layout, c.framing, c.camera, c.scene, c.surface, c.background, c.negative_space, ...c.details] | compact -%}
{%- if parts %}{{ lead }}: {{ parts | and_list(sep="; ", conj=";") }}.{% endif -%}
{%- endcomponent composition_ref -%}

{%- component style_ref(s, lead="Style", mood_noun="mood") -%}
{%- set mood = ((s.mood | and_list) ~ " " ~ mood_noun) | article if s.mood else none -%}
{%- set palette = ((s.palette | and_list) ~ " colour palette") | article if s.palette else none -%}
{%- set parts = [mood, s.lighting, palette, ...s.details] | compact -%}
{%- if parts %}{{ lead }}: {{ parts | and_list(sep="; ", conj=";") }}.{% endif -%}
{%- endcomponent style_ref -%}

{%- component exact_text_ref(items, lead="Include") -%}
{%- if items -%}
{{ lead }} {% for t in items -%}
{%- if not loop.first %}{% if loop.last %} and {% else %}, {% endif %}{% endif -%}
the exact {{ t.label }} {{ t.values | quote | and_list }}
{%- set how = [t.typography, t.placement] | compact -%}
{%- if how %} ({{ how | and_list(conj=",") }}){% endif -%}
{%- endfor %}.
{%- endif -%}
{%- endcomponent exact_text_ref -%}

{%- component text_rule_ref(items, typography=none, strict=true) -%}
{%- if items -%}
{%- if typography %}Set the text in {{ typography | phrase }}. {% endif -%}
{%- if strict -%}
Render every piece of text exactly as written, letter for letter, and add no other text.
{%- else -%}
Render these texts exactly as written, letter for letter; keep any other interface text short and legible.
{%- endif -%}
{%- endif -%}
{%- endcomponent text_rule_ref -%}

{%- component avoid_ref(items) -%}
{%- if items %}Avoid {{ items | and_list }}.{% endif -%}
{%- endcomponent avoid_ref -%}
"#;

const CALLS: &str = r#"{{ <usage_ref ctx={ctx}/> }}|{{ ctx | usage_sentence }}
{{ <composition_ref c={c}/> }}|{{ c | composition_sentence }}
{{ <composition_ref c={c} lead="Scene"/> }}|{{ c | composition_sentence(lead="Scene") }}
{{ <style_ref s={s}/> }}|{{ s | style_sentence }}
{{ <style_ref s={s} lead="Interface style" mood_noun="look"/> }}|{{ s | style_sentence(lead="Interface style", mood_noun="look") }}
{{ <exact_text_ref items={text}/> }}|{{ text | exact_text_sentence }}
{{ <exact_text_ref items={text} lead="Feature"/> }}|{{ text | exact_text_sentence(lead="Feature") }}
{{ <text_rule_ref items={text}/> }}|{{ text | text_rule_sentence }}
{{ <text_rule_ref items={text} typography={s.typography}/> }}|{{ text | text_rule_sentence(typography=s.typography) }}
{{ <text_rule_ref items={text} typography={s.typography} strict={false}/> }}|{{ text | text_rule_sentence(typography=s.typography, strict=false) }}
{{ <avoid_ref items={avoid}/> }}|{{ avoid | avoid_sentence }}"#;

/// A small deterministic generator (xorshift), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const PHRASES: &[&str] = &[
    "warm",
    "inviting",
    "hour-long exposure",
    "8-bit arcade",
    "UI kit",
    "the stage",
    "X-ray glow",
    "umbrella",
    "unique mug",
    "SVG icons",
    "glasses",
    "Apple's store",
    "2 cats",
    "soft light, glossy finish.",
    "etc.",
    "  spaced   out  ",
    "",
    "   ",
    "a; b: c",
    "élan vital",
    "Ωmega",
    "“quoted” words",
    "(brackets)",
    "ends with...",
];

fn phrase(rng: &mut Rng, marks: Option<(char, char)>) -> Value {
    let p = rng.pick(PHRASES);
    match marks {
        // the engine passes user phrases normalised and marked
        Some((o, c)) => {
            let n = imgprompt::prompt::filters::normalise_phrase(p);
            if n.is_empty() {
                Value::none()
            } else {
                Value::from(format!("{o}{n}{c}"))
            }
        }
        None => Value::from(p),
    }
}

fn part(rng: &mut Rng, marks: Option<(char, char)>, list: bool) -> Value {
    // as in the engine's context: a list part is always a list (maybe empty), a single part a
    // phrase or none
    match rng.next() % 4 {
        0 | 1 if list => Value::from(Vec::<Value>::new()),
        0 => Value::none(),
        _ if list => {
            let n = 1 + rng.next() % 3;
            Value::from((0..n).map(|_| phrase(rng, marks)).collect::<Vec<_>>())
        }
        _ => phrase(rng, marks),
    }
}

fn map(rng: &mut Rng, marks: Option<(char, char)>, fields: &[(&'static str, bool)]) -> Value {
    let mut m = tera::Map::new();
    for (name, list) in fields {
        m.insert(tera::value::Key::from(*name), part(rng, marks, *list));
    }
    Value::from(m)
}

/// Text items as the engine builds them: a label, the values (placeholders, or any string here),
/// the first typography and placement (or none).
fn text_items(rng: &mut Rng, marks: Option<(char, char)>) -> Value {
    const LABELS: &[&str] = &["headline", "labels", "call to action", "title", ""];
    const TEXTS: &[&str] = &[
        "SALE",
        "Blue Notes",
        "\"quoted\"",
        "{{ braces }}",
        "  ",
        "50% off!",
    ];
    let n = rng.next() % 4;
    let items: Vec<Value> = (0..n)
        .map(|_| {
            let values: Vec<Value> = (0..1 + rng.next() % 3)
                .map(|_| Value::from(rng.pick(TEXTS)))
                .collect();
            let mut m = tera::Map::new();
            m.insert("label".into(), Value::from(rng.pick(LABELS)));
            m.insert("values".into(), Value::from(values));
            m.insert("typography".into(), part(rng, marks, false));
            m.insert("placement".into(), part(rng, marks, false));
            Value::from(m)
        })
        .collect();
    Value::from(items)
}

#[test]
fn the_component_functions_write_what_the_template_bodies_wrote() {
    let mut tera = Tera::new();
    tera.autoescape_on(Vec::<&str>::new());
    imgprompt::prompt::filters::register(&mut tera);
    tera.add_raw_templates([("reference.tera", REFERENCE), ("calls.tera", CALLS)])
        .expect("templates compile");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut compared = 0;
    for marks in [None, Some(('\u{E010}', '\u{E011}'))] {
        imgprompt::prompt::filters::set_marks(marks);
        for _ in 0..1500 {
            let mut ctx = Context::new();
            ctx.insert_value(
                "ctx",
                map(
                    &mut rng,
                    marks,
                    &[
                        ("purpose", false),
                        ("channel", false),
                        ("audience", false),
                        ("platform", false),
                        ("brand", false),
                    ],
                ),
            );
            ctx.insert_value(
                "c",
                map(
                    &mut rng,
                    marks,
                    &[
                        ("layout", false),
                        ("framing", false),
                        ("camera", false),
                        ("scene", false),
                        ("background", false),
                        ("surface", false),
                        ("negative_space", false),
                        ("details", true),
                    ],
                ),
            );
            ctx.insert_value(
                "s",
                map(
                    &mut rng,
                    marks,
                    &[
                        ("medium", false),
                        ("mood", true),
                        ("lighting", false),
                        ("palette", true),
                        ("typography", false),
                        ("details", true),
                    ],
                ),
            );
            ctx.insert_value("text", text_items(&mut rng, marks));
            ctx.insert_value("avoid", part(&mut rng, marks, true));
            let out = tera.render("calls.tera", &ctx).expect("renders");
            for line in out.lines() {
                let (reference, function) = line.split_once('|').expect("two sides");
                assert_eq!(function, reference, "inputs: {:?}", ctx);
                compared += 1;
            }
        }
    }
    imgprompt::prompt::filters::set_marks(None);
    assert_eq!(compared, 2 * 1500 * 11);
}
