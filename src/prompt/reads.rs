//! Which parts of the template context a preset's templates can read, found once when they are
//! compiled: the context is then built with those parts only.
//!
//! A details template that says `{% if params.grid %}…{% endif %}` reads `params` and nothing
//! else, yet building the whole context (every exact text, style, composition and use, each
//! marked and turned into tera values) cost more than rendering the template. The scan is
//! conservative: every name in every tag of every template compiled with the preset (the shared
//! components included, as their authors wrote them: the sandbox's hooks name only what the tag
//! they meter names, and in a component its own arguments) counts as read, in strings too,
//! whatever it means there; only the text outside tags, comments and `{% raw %}` bodies are
//! skipped, since tera writes the first and the last as they are and drops the comments. A
//! template naming `__tera_context` reads everything.
//! Leaving out a part no tag names cannot change what a template writes.

/// A top-level name of the template context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// `preset`: its name and description.
    Preset,
    /// `subject`.
    Subject,
    /// `style`.
    Style,
    /// `composition`.
    Composition,
    /// `text`: the exact texts, as placeholders.
    Text,
    /// `text_by_role`.
    TextByRole,
    /// `context`: the use.
    Context,
    /// `avoid`: the avoid list, when the target takes it in the prompt.
    Avoid,
    /// `avoid_all`: the whole avoid list.
    AvoidAll,
    /// `target`: what the target takes.
    Target,
    /// `output`.
    Output,
    /// `params`.
    Params,
}

impl Key {
    /// Every name, in the order [`Reads`] numbers them.
    pub const ALL: [Key; 12] = [
        Key::Preset,
        Key::Subject,
        Key::Style,
        Key::Composition,
        Key::Text,
        Key::TextByRole,
        Key::Context,
        Key::Avoid,
        Key::AvoidAll,
        Key::Target,
        Key::Output,
        Key::Params,
    ];

    /// The name as templates write it.
    pub fn name(self) -> &'static str {
        match self {
            Key::Preset => "preset",
            Key::Subject => "subject",
            Key::Style => "style",
            Key::Composition => "composition",
            Key::Text => "text",
            Key::TextByRole => "text_by_role",
            Key::Context => "context",
            Key::Avoid => "avoid",
            Key::AvoidAll => "avoid_all",
            Key::Target => "target",
            Key::Output => "output",
            Key::Params => "params",
        }
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// The set of context names ([`Key`]) a compiled preset's templates may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reads(u16);

impl Reads {
    /// Every name: what a context for templates nobody scanned holds.
    pub const ALL: Reads = Reads((1 << Key::ALL.len()) - 1);

    /// The names the tags of `templates` (their text as tera compiles it) mention.
    pub fn of<'a>(templates: impl IntoIterator<Item = &'a str>) -> Reads {
        let mut reads = Reads(0);
        for text in templates {
            for name in tag_names(text) {
                if name == "__tera_context" {
                    return Reads::ALL;
                }
                if let Some(key) = Key::ALL.into_iter().find(|k| k.name() == name) {
                    reads.0 |= key.bit();
                }
            }
        }
        reads
    }

    /// Whether the context name `key` may be read.
    pub fn has(self, key: Key) -> bool {
        self.0 & key.bit() != 0
    }
}

/// Where the scanner is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Text tera writes as it is.
    Outside,
    /// Inside `{{ … }}` (closed by `}}`) or `{% … %}` (closed by `%}`): the closing byte before
    /// `}`, and how deep in `{`…`}` (a map literal) the scanner is.
    Tag { close: u8, depth: usize },
    /// Inside a string of a tag, closed by this quote.
    Str { quote: u8, close: u8, depth: usize },
    /// Inside `{# … #}`.
    Comment,
}

/// Every identifier inside the tags of `text` (strings included), in order. It reads tera's
/// delimiters as tera's lexer does (and the sandbox's scanner): a `{% raw %}` body is text up to
/// the first `{% endraw %}`; a `{{` tag ends at `}}`, a `{%` tag at `%}`. Where it could end a tag
/// earlier than tera, it does not: a `}` closing a map literal (`{"a": {"b": 1}}`) is not the end,
/// and a backslash in a string keeps the string open over the next byte — so it may read more of
/// a template as tags than tera does, never less.
fn tag_names(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut names = Vec::new();
    let mut state = State::Outside;
    let mut i = 0;
    while i < bytes.len() {
        let (b, next) = (bytes[i], bytes.get(i + 1).copied());
        match state {
            State::Outside => match (b, next) {
                (b'{', Some(b'%')) => match crate::prompt::sandbox::skip_tag(&text[i + 2..], "raw")
                {
                    Some(len) => i = end_of_raw(text, i + 2 + len),
                    None => {
                        (state, i) = (
                            State::Tag {
                                close: b'%',
                                depth: 0,
                            },
                            i + 2,
                        )
                    }
                },
                (b'{', Some(b'{')) => {
                    (state, i) = (
                        State::Tag {
                            close: b'}',
                            depth: 0,
                        },
                        i + 2,
                    )
                }
                (b'{', Some(b'#')) => (state, i) = (State::Comment, i + 2),
                _ => i += 1,
            },
            State::Comment => match (b, next) {
                (b'#', Some(b'}')) => (state, i) = (State::Outside, i + 2),
                _ => i += 1,
            },
            State::Tag { .. } | State::Str { .. } if is_start(b) => {
                let end = bytes[i..]
                    .iter()
                    .position(|c| !is_part(*c))
                    .map_or(bytes.len(), |n| i + n);
                names.push(&text[i..end]);
                i = end;
            }
            State::Tag { close, depth } => {
                state = match b {
                    _ if depth == 0 && b == close && next == Some(b'}') => {
                        i += 1;
                        State::Outside
                    }
                    b'{' => State::Tag {
                        close,
                        depth: depth + 1,
                    },
                    b'}' => State::Tag {
                        close,
                        depth: depth.saturating_sub(1),
                    },
                    b'"' | b'\'' | b'`' => State::Str {
                        quote: b,
                        close,
                        depth,
                    },
                    _ => state,
                };
                i += 1;
            }
            State::Str { .. } if b == b'\\' => i += 2,
            State::Str {
                quote,
                close,
                depth,
            } if b == quote => {
                (state, i) = (State::Tag { close, depth }, i + 1);
            }
            State::Str { .. } => i += 1,
        }
    }
    names
}

/// Where the text after a `{% raw %}` body starts: after the first `{% endraw %}` (tera's rule),
/// or the end of the template when there is none.
fn end_of_raw(text: &str, body: usize) -> usize {
    let mut from = body;
    while let Some(k) = text[from..].find("{%").map(|k| from + k) {
        if let Some(len) = crate::prompt::sandbox::skip_tag(&text[k + 2..], "endraw") {
            return k + 2 + len;
        }
        from = k + 2;
    }
    text.len()
}

fn is_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_part(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(reads: Reads) -> Vec<&'static str> {
        Key::ALL
            .into_iter()
            .filter(|k| reads.has(*k))
            .map(Key::name)
            .collect()
    }

    #[test]
    fn names_in_tags_are_read_and_text_and_comments_are_not() {
        let t = "{#- the subject, style and text -#}\n\
                 text: {% if params.grid %}laid out {{ params.grid | phrase }}{% endif %}";
        assert_eq!(names(Reads::of([t])), ["params"]);
        assert_eq!(
            names(Reads::of([
                "{{ text_by_role.cta }}",
                "{{ <x items={style}/> }}"
            ])),
            ["style", "text_by_role"]
        );
    }

    #[test]
    fn strings_and_odd_quotes_never_hide_a_name() {
        // `}}` inside a string does not end the tag
        assert_eq!(names(Reads::of([r#"{{ "}}" ~ subject }}"#])), ["subject"]);
        // a name inside a string counts (it may be a key: `text_by_role["cta"]`)
        assert_eq!(names(Reads::of([r#"{{ x["avoid"] }}"#])), ["avoid"]);
        // `{#` inside a tag's string is not a comment
        assert_eq!(
            names(Reads::of([r##"{{ "{#" }}{{ output }}{{ "#}" }}"##])),
            ["output"]
        );
        assert_eq!(
            names(Reads::of([r#"{% set a = 'it\'s' %}{{ context }}"#])),
            ["context"]
        );
    }

    #[test]
    fn raw_bodies_and_map_literals_are_read_as_tera_reads_them() {
        // a `{#` in a raw body is text, not a comment hiding the tags after it
        let t = "{% raw %}{#{% endraw %}{% if subject is defined %}{{ subject }}{% endif %}\
                 {%- raw -%}#}{{ output }}{% endraw %}";
        assert_eq!(names(Reads::of([t])), ["subject"]);
        // `}}` closing a map literal inside `{% %}` does not end the tag
        assert_eq!(
            names(Reads::of([
                r#"{% if {"a": {"b": 1}} and subject is defined %}x{% endif %}"#
            ])),
            ["subject"]
        );
        assert_eq!(
            names(Reads::of([r#"{{ {"a": {"b": 1}} | length }}{{ params }}"#])),
            ["params"]
        );
        // `%}` does not end a `{{` tag, nor `}}` a `{%` one
        assert_eq!(
            names(Reads::of([r#"{{ "a" ~ "%}" ~ context }}"#])),
            ["context"]
        );
        assert_eq!(
            names(Reads::of([r#"{% set m = [{"a": {"b": 1}}, avoid] %}"#])),
            ["avoid"]
        );
    }

    #[test]
    fn the_whole_context_by_name_reads_everything() {
        assert_eq!(Reads::of(["{{ __tera_context }}"]), Reads::ALL);
        assert_eq!(Reads::of(["no tags at all"]), Reads(0));
    }
}
