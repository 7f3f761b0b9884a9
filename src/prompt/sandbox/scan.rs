//! The sandbox's template rewriter: it reads a template the way tera 2.4's lexer does
//! (`tera-2.4.0/src/parsing/lexer.rs`, default delimiters) and adds calls to the sandbox's hooks
//! where tera itself offers none:
//!
//! | construct | becomes | so that |
//! |---|---|---|
//! | `{% for x in EXPR %}` | `{% for x in (EXPR) \| _sb_loop %}` + `_sb_tick` first in the body | the loop's length is charged when it starts, the clock read as it runs |
//! | `[E for x in EXPR]` | `([E for x in (EXPR) \| _sb_loop] \| _sb_cap(…))` | comprehensions too, and the list they build is capped |
//! | `{% set n = EXPR %}` | `{% set n = (EXPR) \| _sb_cap(…) %}` | no kept value grows past the cap (`set_global` alike) |
//! | `{% set n %}…{% endset %}` | `{% set n \| _sb_cap(…) %}…` | captured text is capped when kept |
//! | `{{ EXPR }}` | `{{ (EXPR) \| _sb_out }}` | what is written, or captured, is charged |
//! | `{{ a.b }}` | `{{ a.b }}` + `_sb_wrote(v=a.b)` after it | the same, keeping tera's "not defined" messages |
//! | `{% filter f %}` | `{% filter f \| _sb_out %}` | the filtered section, written by tera itself, is charged |
//! | `{% component … %}`, `{% block … %}`, the template | `_sb_enter` / `_sb_tick` first in the body | calls (recursion fan-out) are counted, arguments capped, static text charged |
//!
//! Nothing is removed or reordered, every added tag mirrors the whitespace control of the tag it
//! follows, so a template renders byte for byte as before. [`SourceMap`] takes tera's error
//! offsets back to the author's text. A template this reader cannot follow is refused (the
//! caller compiles the original to report tera's own error): an unread loop would be unmetered.
use std::ops::Range;

/// Why a template could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanError {
    /// Byte offset in the original template.
    pub at: usize,
    /// What was wrong.
    pub message: &'static str,
}

/// A rewritten template and the way back from its offsets to the original's.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    text: String,
    inserts: Vec<Placed>,
}

/// One added piece: where it sits in the rewritten text, and what an error inside it points at.
#[derive(Debug, Clone)]
struct Placed {
    at: usize,
    len: usize,
    anchor: Range<usize>,
}

impl SourceMap {
    /// The rewritten template, as tera compiles it.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The original offset of rewritten offset `p`, taken as the start of a span: inside an
    /// added piece, the start of what that piece is about (the loop's target, the `set` value…).
    pub fn start(&self, p: usize) -> usize {
        let mut shift = 0;
        for ins in &self.inserts {
            if p < ins.at {
                break;
            }
            if p < ins.at + ins.len {
                return ins.anchor.start;
            }
            shift += ins.len;
        }
        p - shift
    }

    /// The original offset of rewritten offset `p`, taken as the (exclusive) end of a span.
    pub fn end(&self, p: usize) -> usize {
        let mut shift = 0;
        for ins in &self.inserts {
            if p <= ins.at {
                break;
            }
            if p <= ins.at + ins.len {
                return ins.anchor.end;
            }
            shift += ins.len;
        }
        p - shift
    }

    /// A rewritten byte range as an original one.
    pub fn range(&self, r: Range<usize>) -> Range<usize> {
        let start = self.start(r.start);
        start..self.end(r.end).max(start)
    }

    /// The rewritten byte offset of a 1-based line and a 0-based column in characters (tera's
    /// `Span::start_line` / `start_col`).
    pub fn offset_of(&self, line: usize, col: usize) -> usize {
        let mut offset = 0;
        for (i, l) in self.text.split_inclusive('\n').enumerate() {
            if i + 1 == line {
                return offset + l.char_indices().nth(col).map_or(l.len(), |(b, _)| b);
            }
            offset += l.len();
        }
        self.text.len()
    }
}

/// Rewrites `src` with the sandbox's hooks (see the module documentation).
pub fn instrument(src: &str) -> Result<SourceMap, ScanError> {
    let mut scan = Scan {
        src,
        b: src.as_bytes(),
        pending: Vec::new(),
        units: vec![0],
        open_units: vec![0],
        blocks: Vec::new(),
        child: false,
    };
    scan.run()?;
    Ok(scan.finish())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum K {
    Ident,
    Str,
    Num,
    /// `(`, `[`, `{`, or `?` for `?[`.
    Open(u8),
    Close(u8),
    /// `.` or `?.`
    Dot,
    Lt,
    Gt,
    Slash,
    Assign,
    Pipe,
    Other,
}

#[derive(Debug, Clone)]
struct Tok {
    k: K,
    r: Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inside {
    Tag,
    Var,
}

/// The bodies the reader tracks: `for` (its body is a unit until `else`/`endfor`), `if` (so an
/// `else` is matched), components and blocks (units).
#[derive(Debug)]
enum Block {
    For(Option<usize>),
    If,
    Unit(usize),
}

#[derive(Debug, Clone, Copy)]
enum Hook {
    Tick,
    Enter,
}

#[derive(Debug)]
enum Text {
    Fixed(String),
    /// A hook call first in a unit, with the unit's static text (known once it is read).
    Unit {
        unit: usize,
        hook: Hook,
        trim: bool,
    },
}

#[derive(Debug)]
struct Pending {
    at: usize,
    /// 0: closes a wrap, 1: a tag added after a tag, 2: opens a wrap.
    class: u8,
    /// Nesting: inner wraps close first and open last.
    depth: i32,
    text: Text,
    anchor: Range<usize>,
}

struct Scan<'a> {
    src: &'a str,
    b: &'a [u8],
    pending: Vec<Pending>,
    /// Static text bytes per unit (0: the template's top level).
    units: Vec<usize>,
    open_units: Vec<usize>,
    blocks: Vec<Block>,
    /// `{% extends %}` seen: nothing may come before it, and only blocks and components render.
    child: bool,
}

fn err(at: usize, message: &'static str) -> ScanError {
    ScanError { at, message }
}

/// tera's `skip_tag`: `-? ws* NAME ws* -? %}` at the start of `s`; the length it covers.
pub(crate) fn skip_tag(s: &str, name: &str) -> Option<usize> {
    let mut p = s.strip_prefix('-').unwrap_or(s);
    p = p.trim_start_matches(|c: char| c.is_ascii_whitespace());
    p = p.strip_prefix(name)?;
    p = p.trim_start_matches(|c: char| c.is_ascii_whitespace());
    p = p.strip_prefix('-').unwrap_or(p);
    p = p.strip_prefix("%}")?;
    Some(s.len() - p.len())
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| from + i)
}

/// The kind and the end of the token at `i` of a tag or an expression (not whitespace, not its
/// closing delimiter).
fn token(b: &[u8], i: usize) -> Result<(K, usize), ScanError> {
    if b.get(i..i + 3) == Some(b"...") {
        return Ok((K::Other, i + 3));
    }
    if let Some(k) = two_byte_token(b.get(i..i + 2)) {
        return Ok((k, i + 2));
    }
    if let Some(k) = one_byte_token(b[i]) {
        return Ok((k, i + 1));
    }
    match b[i] {
        q @ (b'\'' | b'"' | b'`') => Ok((K::Str, string_end(b, i, q)?)),
        c if c.is_ascii_digit() => Ok((K::Num, number_end(b, i))),
        c if c == b'_' || c.is_ascii_alphabetic() => Ok((K::Ident, ident_end(b, i))),
        _ => Err(err(i, "unexpected character")),
    }
}

/// The two-byte operators and openers (`?.`, `?[`, `//`, `==`…).
fn two_byte_token(pair: Option<&[u8]>) -> Option<K> {
    match pair {
        Some(b"?.") => Some(K::Dot),
        Some(b"?[") => Some(K::Open(b'?')),
        Some(b"//" | b"**" | b"==" | b"!=" | b">=" | b"<=" | b"</") => Some(K::Other),
        _ => None,
    }
}

/// The one-byte brackets, operators and punctuation.
fn one_byte_token(c: u8) -> Option<K> {
    match c {
        b'(' | b'[' | b'{' => Some(K::Open(c)),
        b')' | b']' | b'}' => Some(K::Close(c)),
        b'.' => Some(K::Dot),
        b'<' => Some(K::Lt),
        b'>' => Some(K::Gt),
        b'/' => Some(K::Slash),
        b'=' => Some(K::Assign),
        b'|' => Some(K::Pipe),
        b'+' | b'-' | b'*' | b'%' | b'!' | b',' | b':' | b'~' | b'@' => Some(K::Other),
        _ => None,
    }
}

/// The offset after the string opened by the quote `q` at `i` (a backslash escapes the next
/// byte).
fn string_end(b: &[u8], i: usize, q: u8) -> Result<usize, ScanError> {
    let mut j = i + 1;
    let mut escaped = false;
    while j < b.len() {
        if escaped {
            escaped = false;
        } else if b[j] == b'\\' {
            escaped = true;
        } else if b[j] == q {
            break;
        }
        j += 1;
    }
    if j >= b.len() {
        return Err(err(i, "a string is not closed"));
    }
    Ok(j + 1)
}

/// The offset after the number starting at `i`: digits with at most one `.`.
fn number_end(b: &[u8], mut i: usize) -> usize {
    let mut float = false;
    while i < b.len() {
        if !float && b[i] == b'.' {
            float = true;
        } else if !b[i].is_ascii_digit() {
            break;
        }
        i += 1;
    }
    i
}

/// The offset after the name starting at `i`.
fn ident_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && (b[i] == b'_' || b[i].is_ascii_alphanumeric()) {
        i += 1;
    }
    i
}

impl<'a> Scan<'a> {
    fn word(&self, t: &Tok) -> &'a str {
        if t.k == K::Ident {
            &self.src[t.r.clone()]
        } else {
            ""
        }
    }

    fn text(&mut self, n: usize) {
        let u = *self.open_units.last().unwrap_or(&0);
        self.units[u] += n;
    }

    fn open_unit(&mut self) -> usize {
        self.units.push(0);
        let id = self.units.len() - 1;
        self.open_units.push(id);
        id
    }

    fn close_unit(&mut self, id: usize, at: usize) -> Result<(), ScanError> {
        if self.open_units.len() > 1 && self.open_units.last() == Some(&id) {
            self.open_units.pop();
            Ok(())
        } else {
            Err(err(at, "a block ends that was not open"))
        }
    }

    fn wrap(&mut self, r: Range<usize>, depth: i32, open: &str, close: String) {
        self.pending.push(Pending {
            at: r.start,
            class: 2,
            depth,
            text: Text::Fixed(open.to_string()),
            anchor: r.clone(),
        });
        self.pending.push(Pending {
            at: r.end,
            class: 0,
            depth,
            text: Text::Fixed(close),
            anchor: r,
        });
    }

    fn after(&mut self, at: usize, text: Text, anchor: Range<usize>) {
        self.pending.push(Pending {
            at,
            class: 1,
            depth: 0,
            text,
            anchor,
        });
    }

    fn run(&mut self) -> Result<(), ScanError> {
        let n = self.b.len();
        let mut i = 0;
        while i < n {
            let Some(m) = (i..n.saturating_sub(1))
                .find(|&k| self.b[k] == b'{' && matches!(self.b[k + 1], b'{' | b'%' | b'#'))
            else {
                self.text(n - i);
                break;
            };
            self.text(m - i);
            let ws = usize::from(self.b.get(m + 2) == Some(&b'-'));
            let p = m + 2 + ws;
            match self.b[m + 1] {
                b'#' => {
                    let end = find(self.b, p, b"#}").ok_or(err(m, "a comment is not closed"))?;
                    i = end + 2;
                }
                b'%' => {
                    if let Some(len) = skip_tag(&self.src[p..], "raw") {
                        i = self.raw(m, p + len)?;
                        continue;
                    }
                    let (toks, close_end, trim) = self.lex(p, Inside::Tag)?;
                    self.tag(m, &toks, close_end, trim)?;
                    i = close_end;
                }
                _ => {
                    let (toks, close_end, trim) = self.lex(p, Inside::Var)?;
                    self.var(m, &toks, close_end, trim)?;
                    i = close_end;
                }
            }
        }
        if !self.blocks.is_empty() {
            return Err(err(n, "a block is not closed"));
        }
        Ok(())
    }

    /// A `{% raw %}` body, up to its `{% endraw %}` (tera's rule: the first `{%` that opens one).
    fn raw(&mut self, open: usize, body: usize) -> Result<usize, ScanError> {
        let mut from = body;
        while let Some(k) = find(self.b, from, b"{%") {
            if let Some(len) = skip_tag(&self.src[k + 2..], "endraw") {
                self.text(k - body);
                return Ok(k + 2 + len);
            }
            from = k + 2;
        }
        Err(err(open, "a raw block is not closed"))
    }

    /// The tokens of a tag or an expression starting at `p`, the offset after its end, and
    /// whether it ends with `-%}` / `-}}`.
    fn lex(&self, mut i: usize, inside: Inside) -> Result<(Vec<Tok>, usize, bool), ScanError> {
        let b = self.b;
        let close: &[u8] = if inside == Inside::Tag { b"%}" } else { b"}}" };
        let start = i;
        let mut toks = Vec::new();
        loop {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= b.len() {
                return Err(err(start, "a tag is not closed"));
            }
            if b[i] == b'-' && b.get(i + 1..i + 3) == Some(close) {
                return Ok((toks, i + 3, true));
            }
            if b.get(i..i + 2) == Some(close) {
                return Ok((toks, i + 2, false));
            }
            let (k, end) = token(b, i)?;
            toks.push(Tok { k, r: i..end });
            i = end;
        }
    }

    /// The index of the first `in` after `from` at bracket depth 0 (relative to `from`).
    fn find_in(&self, t: &[Tok], from: usize) -> Option<usize> {
        let mut depth = 0i32;
        for (k, tok) in t.iter().enumerate().skip(from) {
            match tok.k {
                K::Open(_) => depth += 1,
                K::Close(_) => depth -= 1,
                K::Ident if depth == 0 && self.word(tok) == "in" => return Some(k),
                _ => {}
            }
        }
        None
    }

    /// Every list comprehension in a tag or an expression: its target is charged as a loop, the
    /// list it builds capped.
    fn comprehensions(&mut self, t: &[Tok]) -> Result<(), ScanError> {
        let mut open: Vec<usize> = Vec::new();
        for k in 0..t.len() {
            match t[k].k {
                K::Open(_) => open.push(k),
                K::Close(_) => {
                    open.pop();
                }
                K::Ident if self.word(&t[k]) == "for" && k > 0 && t[k - 1].k != K::Dot => {
                    let Some(&b) = open.last() else { continue };
                    if t[b].k != K::Open(b'[') {
                        continue;
                    }
                    let depth = 2 * (open.len() as i32 - 1);
                    let at_in = self
                        .find_in(t, k + 1)
                        .ok_or(err(t[k].r.start, "a list comprehension has no `in`"))?;
                    // the target runs to the condition's `if` or to the closing `]`
                    let (mut d, mut stop, mut close) = (0i32, None, None);
                    for (j, tok) in t.iter().enumerate().skip(at_in + 1) {
                        match tok.k {
                            K::Open(_) => d += 1,
                            K::Close(_) if d == 0 => {
                                close = Some(j);
                                break;
                            }
                            K::Close(_) => d -= 1,
                            K::Ident if d == 0 && stop.is_none() && self.word(tok) == "if" => {
                                stop = Some(j);
                            }
                            _ => {}
                        }
                    }
                    let close = close.ok_or(err(t[b].r.start, "a list is not closed"))?;
                    let stop = stop.unwrap_or(close);
                    if stop <= at_in + 1 {
                        return Err(err(t[at_in].r.start, "a list comprehension has no target"));
                    }
                    let whole = t[b].r.start..t[close].r.end;
                    self.wrap(
                        whole,
                        depth + 1,
                        "(",
                        String::from(" | _sb_cap(what=\"a list comprehension\"))"),
                    );
                    let target = t[at_in + 1].r.start..t[stop - 1].r.end;
                    self.wrap(target, depth + 2, "(", String::from(") | _sb_loop"));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn tag(
        &mut self,
        open: usize,
        t: &[Tok],
        close_end: usize,
        trim: bool,
    ) -> Result<(), ScanError> {
        self.comprehensions(t)?;
        let whole = open..close_end;
        let word = t.first().map_or("", |x| self.word(x));
        match word {
            "for" => self.for_tag(open, t, close_end, trim)?,
            "else" => self.else_tag(open)?,
            "endfor" => self.endfor_tag(open)?,
            "if" => self.blocks.push(Block::If),
            "endif" => match self.blocks.pop() {
                Some(Block::If) => {}
                _ => return Err(err(open, "`endif` without `if`")),
            },
            "component" | "block" => self.unit_tag(word, close_end, trim, whole),
            "endcomponent" | "endblock" => match self.blocks.pop() {
                Some(Block::Unit(unit)) => self.close_unit(unit, open)?,
                _ => return Err(err(open, "an end tag without its block")),
            },
            "set" | "set_global" => self.set_tag(open, t, word, whole)?,
            "filter" => self.filter_tag(t, whole),
            "extends" => self.child = true,
            _ => {}
        }
        Ok(())
    }

    /// `{% for x in EXPR %}`: the target is charged as a loop, the body is a unit ticked first.
    fn for_tag(
        &mut self,
        open: usize,
        t: &[Tok],
        close_end: usize,
        trim: bool,
    ) -> Result<(), ScanError> {
        let at_in = self
            .find_in(t, 1)
            .ok_or(err(open, "a `for` tag has no `in`"))?;
        let target = t.get(at_in + 1..).unwrap_or_default();
        let (Some(first), Some(last)) = (target.first(), target.last()) else {
            return Err(err(open, "a `for` tag has no target"));
        };
        let r = first.r.start..last.r.end;
        self.wrap(r, 0, "(", String::from(") | _sb_loop"));
        let unit = self.open_unit();
        self.blocks.push(Block::For(Some(unit)));
        let hook = Hook::Tick;
        self.after(close_end, Text::Unit { unit, hook, trim }, open..close_end);
        Ok(())
    }

    /// `{% else %}`: in a `for`, the body's unit ends (the `else` part is not a loop body).
    fn else_tag(&mut self, open: usize) -> Result<(), ScanError> {
        if let Some(Block::For(body)) = self.blocks.last_mut()
            && let Some(unit) = body.take()
        {
            self.close_unit(unit, open)?;
        }
        Ok(())
    }

    /// `{% endfor %}`: the `for` ends, and its body's unit if no `else` ended it.
    fn endfor_tag(&mut self, open: usize) -> Result<(), ScanError> {
        match self.blocks.pop() {
            Some(Block::For(body)) => {
                if let Some(unit) = body {
                    self.close_unit(unit, open)?;
                }
                Ok(())
            }
            _ => Err(err(open, "`endfor` without `for`")),
        }
    }

    /// `{% component … %}` (entered first in its body) or `{% block … %}` (ticked first).
    fn unit_tag(&mut self, word: &str, close_end: usize, trim: bool, whole: Range<usize>) {
        let unit = self.open_unit();
        self.blocks.push(Block::Unit(unit));
        let hook = if word == "component" {
            Hook::Enter
        } else {
            Hook::Tick
        };
        self.after(close_end, Text::Unit { unit, hook, trim }, whole);
    }

    /// `{% set n = EXPR %}` (the value capped) or `{% set n | f %}…{% endset %}` (the capture
    /// capped, after its filters); `set_global` alike.
    fn set_tag(
        &mut self,
        open: usize,
        t: &[Tok],
        word: &str,
        whole: Range<usize>,
    ) -> Result<(), ScanError> {
        let name = t.get(1).map_or("", |x| self.word(x));
        if name.is_empty() {
            return Err(err(open, "a `set` tag has no name"));
        }
        match t.get(2) {
            Some(x) if x.k == K::Assign => {
                let value = &t[3..];
                let (Some(first), Some(last)) = (value.first(), value.last()) else {
                    return Err(err(open, "a `set` tag has no value"));
                };
                let r = first.r.start..last.r.end;
                let close = format!(") | _sb_cap(what=\"`{word} {name}`\")");
                self.wrap(r, 0, "(", close);
            }
            _ => {
                // a block set: `{% set name | f | g %}…{% endset %}`; the cap goes last
                let at = t[t.len() - 1].r.end;
                self.pending.push(Pending {
                    at,
                    class: 0,
                    depth: 0,
                    text: Text::Fixed(format!(" | _sb_cap(what=\"`{word} {name}` block\")")),
                    anchor: whole,
                });
            }
        }
        Ok(())
    }

    /// `{% filter f | g %}…{% endfilter %}` writes the filtered capture itself: it is charged.
    fn filter_tag(&mut self, t: &[Tok], whole: Range<usize>) {
        if let Some(last) = t.last() {
            self.pending.push(Pending {
                at: last.r.end,
                class: 0,
                depth: 0,
                text: Text::Fixed(String::from(" | _sb_out")),
                anchor: whole,
            });
        }
    }

    fn var(
        &mut self,
        open: usize,
        t: &[Tok],
        close_end: usize,
        trim: bool,
    ) -> Result<(), ScanError> {
        self.comprehensions(t)?;
        let (Some(first), Some(last)) = (t.first(), t.last()) else {
            return Ok(()); // `{{ }}`: tera refuses it
        };
        let r = first.r.start..last.r.end;
        if self.is_component_call(t) {
            // `{{ <c …/> }}` renders straight to the output; the component meters itself
            return Ok(());
        }
        if self.is_path(t) {
            // tera fuses `{{ a.b }}` into one instruction whose "not defined" errors list what
            // is; a filter after it would lose them, so the value is charged after it is written
            let path: String = t.iter().map(|x| &self.src[x.r.clone()]).collect();
            let end = if trim { "-" } else { "" };
            let text = format!("{{%- if _sb_wrote(v={path}) -%}}{{%- endif {end}%}}");
            self.after(close_end, Text::Fixed(text), open..close_end);
        } else {
            self.wrap(r, 0, "(", String::from(") | _sb_out"));
        }
        Ok(())
    }

    /// `a`, `a.b.c` (what tera fuses into one path write).
    fn is_path(&self, t: &[Tok]) -> bool {
        t.len() % 2 == 1
            && t.iter().enumerate().all(|(i, x)| {
                if i % 2 == 0 {
                    x.k == K::Ident && !matches!(self.word(x), "true" | "false" | "True" | "False")
                } else {
                    x.k == K::Dot && &self.src[x.r.clone()] == "."
                }
            })
    }

    /// `<name …/>` and nothing after it.
    fn is_component_call(&self, t: &[Tok]) -> bool {
        if t.len() < 4 || t[0].k != K::Lt || t[1].k != K::Ident {
            return false;
        }
        let mut depth = 0i32;
        for j in 2..t.len() - 1 {
            match t[j].k {
                K::Open(_) => depth += 1,
                K::Close(_) => depth -= 1,
                K::Slash if depth == 0 && t[j + 1].k == K::Gt => return j + 2 == t.len(),
                _ => {}
            }
        }
        false
    }

    fn finish(mut self) -> SourceMap {
        if !self.child {
            // the template's own text, charged each time it renders (an include in a loop)
            let text = Text::Unit {
                unit: 0,
                hook: Hook::Tick,
                trim: false,
            };
            self.after(0, text, 0..0);
        }
        let mut pending = std::mem::take(&mut self.pending);
        pending.sort_by_key(|p| (p.at, p.class, if p.class == 0 { -p.depth } else { p.depth }));
        let mut text = String::with_capacity(self.src.len() + 64 * pending.len());
        let mut inserts = Vec::with_capacity(pending.len());
        let mut cursor = 0;
        for p in pending {
            text.push_str(&self.src[cursor..p.at]);
            cursor = p.at;
            let piece = match p.text {
                Text::Fixed(s) => s,
                Text::Unit { unit, hook, trim } => {
                    let n = self.units[unit];
                    let call = match hook {
                        Hook::Tick => format!("_sb_tick(n={n})"),
                        Hook::Enter => format!("_sb_enter(n={n}, vars=__tera_context)"),
                    };
                    let end = if trim { "-" } else { "" };
                    format!("{{%- if {call} -%}}{{%- endif {end}%}}")
                }
            };
            inserts.push(Placed {
                at: text.len(),
                len: piece.len(),
                anchor: p.anchor,
            });
            text.push_str(&piece);
        }
        text.push_str(&self.src[cursor..]);
        SourceMap { text, inserts }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(src: &str) -> String {
        instrument(src).expect("readable").text
    }

    /// Dropping the added pieces gives the original back, and every original byte maps home.
    fn check_map(src: &str) {
        let map = instrument(src).expect("readable");
        let mut back = String::new();
        let mut cursor = 0;
        for ins in &map.inserts {
            back.push_str(&map.text[cursor..ins.at]);
            cursor = ins.at + ins.len;
        }
        back.push_str(&map.text[cursor..]);
        assert_eq!(back, src);
        let mut cursor = 0;
        let mut inserts = map.inserts.iter().peekable();
        for p in 0..map.text.len() {
            while inserts.peek().is_some_and(|i| i.at + i.len <= p) {
                inserts.next();
            }
            if inserts.peek().is_some_and(|i| i.at <= p) {
                continue;
            }
            let o = map.start(p);
            assert_eq!(
                map.text.as_bytes()[p],
                src.as_bytes()[o],
                "at {p} in {:?}",
                map.text
            );
            assert!(o >= cursor);
            cursor = o;
        }
    }

    const TOP: &str = "{%- if _sb_tick(n=0) -%}{%- endif %}";

    #[test]
    fn loops_are_charged_at_entry_and_ticked_per_iteration() {
        assert_eq!(
            rewrite("{% for x in xs %}ab{% endfor %}"),
            "{%- if _sb_tick(n=0) -%}{%- endif %}{% for x in (xs) | _sb_loop %}\
             {%- if _sb_tick(n=2) -%}{%- endif %}ab{% endfor %}"
        );
        // the tick keeps the for tag's whitespace control for the body
        assert_eq!(
            rewrite("{%- for k, v in m | items -%}\n x {% else %}none{% endfor %}"),
            "{%- if _sb_tick(n=4) -%}{%- endif %}{%- for k, v in (m | items) | _sb_loop -%}\
             {%- if _sb_tick(n=4) -%}{%- endif -%}\n x {% else %}none{% endfor %}"
        );
    }

    #[test]
    fn sets_are_capped_and_writes_charged() {
        assert_eq!(
            rewrite("{% set s = s ~ s %}{{ s | upper }}{{ a.b -}} x"),
            format!(
                "{TOP}{{% set s = (s ~ s) | _sb_cap(what=\"`set s`\") %}}{{{{ (s | upper) | _sb_out }}}}\
                 {{{{ a.b -}}}}{{%- if _sb_wrote(v=a.b) -%}}{{%- endif -%}} x"
            )
            .replace("n=0", "n=2")
        );
        assert_eq!(
            rewrite("{% filter replace(from=\"a\", to=\"b\") %}a{% endfilter %}"),
            "{%- if _sb_tick(n=1) -%}{%- endif %}{% filter replace(from=\"a\", to=\"b\") | _sb_out %}a{% endfilter %}"
        );
        assert_eq!(
            rewrite("{% set_global t | trim %}x{% endset %}"),
            "{%- if _sb_tick(n=1) -%}{%- endif %}{% set_global t | trim | _sb_cap(what=\"`set_global t` block\") %}x{% endset %}"
        );
    }

    #[test]
    fn comprehensions_nest_inner_first() {
        assert_eq!(
            rewrite("{% set a = [x for x in [y for y in r if y]] %}"),
            format!(
                "{TOP}{{% set a = (([x for x in (([y for y in (r) | _sb_loop if y] | _sb_cap(what=\"a list comprehension\"))) | _sb_loop] | _sb_cap(what=\"a list comprehension\"))) | _sb_cap(what=\"`set a`\") %}}"
            )
        );
    }

    #[test]
    fn components_blocks_and_children() {
        assert_eq!(
            rewrite("{% component c(a, b=1) -%}\n{{ <c a={a}/> }}{%- endcomponent c %}"),
            "{%- if _sb_tick(n=0) -%}{%- endif %}{% component c(a, b=1) -%}\
             {%- if _sb_enter(n=1, vars=__tera_context) -%}{%- endif -%}\n{{ <c a={a}/> }}{%- endcomponent c %}"
        );
        // a child template gets nothing before its `extends`
        assert_eq!(
            rewrite("{% extends \"base\" %}{% block b %}hi{% endblock b %}"),
            "{% extends \"base\" %}{% block b %}{%- if _sb_tick(n=2) -%}{%- endif %}hi{% endblock b %}"
        );
    }

    #[test]
    fn strings_raw_and_comments_are_not_read_as_code() {
        let src = "{# {% for x in y %} #}{% raw %}{% for a in b %}{{ c }}{% endraw %}{{ \"%} {% for\" }}{{ a.for }}";
        let out = rewrite(src);
        assert!(!out.contains("(y)") && !out.contains("(b)"), "{out}");
        assert!(out.contains("{{ (\"%} {% for\") | _sb_out }}"), "{out}");
        assert!(out.contains("_sb_wrote(v=a.for)"), "{out}");
        check_map(src);
    }

    #[test]
    fn offsets_map_back_to_the_original() {
        for src in [
            "Create {{ subject | shout }}.\n{{ x }}",
            "{%- for t in text %} ({{ loop.index }}) {{ t.values | quote }}\n{%- endfor %}",
            "{% set a = [x for x in r] %}{% for i in a -%} {{ i }} {%- endfor %}",
            "{% component c(x) %}{{ x }}{% endcomponent c %}é{{ <c x={1}/> }}",
        ] {
            check_map(src);
        }
        let map = instrument("ab\n{{ x | f }}").expect("readable");
        let p = map.text.find("f)").expect("f");
        assert_eq!(map.start(p), 10);
        let (line, col) = (
            2,
            map.text.lines().nth(1).expect("line").find('f').expect("f"),
        );
        assert_eq!(map.start(map.offset_of(line, col)), 10);
        // inside an added piece: its anchor (here the written expression `x | f`)
        let p = map.text.find("_sb_out").expect("hook");
        assert_eq!(map.range(p..p + 7), 6..11);
    }

    #[test]
    fn unreadable_templates_are_refused() {
        for src in [
            "{% for x in y %}",
            "{% endfor %}",
            "{{ \"open }}",
            "{% if a %}{% endfor %}",
            "{{ [for] }}",
        ] {
            assert!(instrument(src).is_err(), "{src}");
        }
    }
}
