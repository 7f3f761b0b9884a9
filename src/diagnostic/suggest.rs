//! "Did you mean …?" from a tiny helper over known names (the way `just` does it).

/// The known name closest to `input`, if it is close enough to be a plausible typo.
///
/// ```
/// use imgprompt::diagnostic::suggest::did_you_mean;
/// assert_eq!(did_you_mean("compositon", ["style", "composition", "text"]), Some("composition"));
/// assert_eq!(did_you_mean("zzz", ["style", "composition"]), None);
/// ```
pub fn did_you_mean<'a>(input: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let input_lower = input.to_lowercase();
    known
        .into_iter()
        .filter_map(|name| {
            let lower = name.to_lowercase();
            if lower == input_lower {
                return Some((0.0, name));
            }
            let distance = strsim::damerau_levenshtein(&input_lower, &lower);
            let similarity = strsim::jaro_winkler(&input_lower, &lower);
            let close = distance <= (name.chars().count().max(3) / 3).max(1)
                || similarity >= 0.85
                || (lower.starts_with(&input_lower) && input_lower.len() >= 3);
            close.then_some((distance as f64 - similarity, name))
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| name)
}

/// Formats `` `a`, `b` or `c` `` for messages listing what is accepted.
pub fn one_of<S: AsRef<str>>(names: &[S]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{}`", n.as_ref())).collect();
    match quoted.as_slice() {
        [] => String::from("nothing"),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
/// `d` (an unknown-field error for `name`) with a "did you mean" label and help among the
/// `known` fields, or the list of them when none is close.
pub fn unknown_field_hint(
    d: crate::diagnostic::Diagnostic,
    name: &str,
    known: &[String],
) -> crate::diagnostic::Diagnostic {
    match did_you_mean(name, known.iter().map(String::as_str)) {
        Some(s) => d
            .with_label(format!("did you mean `{s}`?"))
            .with_help(format!(
                "did you mean `{s}`? Known fields here: {}",
                one_of(known)
            )),
        None => d
            .with_label("unknown field")
            .with_help(format!("known fields here: {}", one_of(known))),
    }
}
