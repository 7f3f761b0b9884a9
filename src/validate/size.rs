//! Image sizes: parsing `WIDTHxHEIGHT`, checking them against a model's rules, suggesting the
//! nearest valid size, and mapping aspect ratios to sizes.

use crate::diagnostic::suggest::one_of;
use crate::validate::models::{Fact, ModelRules, SizeRule};

pub use crate::brief::size::{AspectRatio, Dimensions, OutputRatio, OutputSize, Size, parse_ratio};

/// Why a size was refused, with what to use instead.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeProblem {
    /// What is wrong: "both edges must be multiples of 16".
    pub reason: String,
    /// Valid sizes close to the one asked for, best first.
    pub suggestions: Vec<String>,
}

/// Checks `size` against `rules`. Returns a warning text for valid-but-experimental sizes.
pub fn check(size: &str, rules: &ModelRules) -> Result<Option<String>, SizeProblem> {
    if rules.sizes.iter().any(|s| s == size) {
        return Ok(None);
    }
    let parsed = Size::parse(size);
    let rule = match &rules.size_rule {
        Fact::Known(rule) => rule,
        Fact::Unknown if parsed.is_some() => {
            return Ok(Some(String::from(
                "no source states whether this model takes sizes beyond its listed ones; sent as written",
            )));
        }
        _ => {
            let listed: Vec<&str> = rules.sizes.iter().map(String::as_str).collect();
            return Err(SizeProblem {
                reason: format!("this model only accepts {}", one_of(&listed)),
                suggestions: parsed
                    .map(|p| nearest_listed(p, rules))
                    .into_iter()
                    .flatten()
                    .collect(),
            });
        }
    };
    let Some(size) = parsed else {
        return Err(SizeProblem {
            reason: String::from("expected `WIDTHxHEIGHT` (e.g. `1024x1536`) or `auto`"),
            suggestions: Vec::new(),
        });
    };
    if let Some(reason) = rule_violation(size, rule) {
        let mut suggestions = Vec::new();
        if let Some(fixed) = nearest_valid(size, rule) {
            suggestions.push(fixed.to_string());
        }
        if let Some(s) = nearest_listed(size, rules)
            && !suggestions.contains(&s)
        {
            suggestions.push(s);
        }
        return Err(SizeProblem {
            reason,
            suggestions,
        });
    }
    Ok(rule
        .experimental_above_pixels
        .filter(|limit| size.pixels() > *limit)
        .map(|limit| {
            format!(
                "sizes above {} pixels are experimental; results may vary",
                group_digits(limit)
            )
        }))
}

/// The first rule `size` breaks, if any.
pub fn rule_violation(size: Size, rule: &SizeRule) -> Option<String> {
    let m = rule.multiple_of;
    let min_ratio = parse_ratio(&rule.min_ratio).unwrap_or(0.0);
    let max_ratio = parse_ratio(&rule.max_ratio).unwrap_or(f64::INFINITY);
    if !size.width.is_multiple_of(m) || !size.height.is_multiple_of(m) {
        let which = match (
            !size.width.is_multiple_of(m),
            !size.height.is_multiple_of(m),
        ) {
            (true, true) => "both edges",
            (true, false) => "the width",
            _ => "the height",
        };
        let verb = if which == "both edges" {
            "must be multiples"
        } else {
            "must be a multiple"
        };
        return Some(format!("{which} {verb} of {m}"));
    }
    if size.width.max(size.height) > rule.max_edge {
        return Some(format!(
            "the longest edge must be at most {} pixels",
            rule.max_edge
        ));
    }
    let r = size.ratio();
    if r < min_ratio - 1e-9 || r > max_ratio + 1e-9 {
        return Some(format!(
            "the aspect ratio must be between {} and {}",
            rule.min_ratio, rule.max_ratio
        ));
    }
    if let Some(min_pixels) = rule.min_pixels
        && size.pixels() < min_pixels
    {
        return Some(format!(
            "the image must have at least {} pixels ({} has {})",
            group_digits(min_pixels),
            size,
            group_digits(size.pixels())
        ));
    }
    if size.pixels() > rule.max_pixels {
        return Some(format!(
            "the image must have at most {} pixels ({} has {})",
            group_digits(rule.max_pixels),
            size,
            group_digits(size.pixels())
        ));
    }
    None
}

fn round_to(v: f64, m: u32) -> u32 {
    let m = f64::from(m);
    ((v / m).round().max(1.0) * m) as u32
}

/// The valid size closest to `size` under `rule`, keeping its aspect ratio where possible.
pub fn nearest_valid(size: Size, rule: &SizeRule) -> Option<Size> {
    let m = rule.multiple_of;
    let min_ratio = parse_ratio(&rule.min_ratio).unwrap_or(0.0);
    let max_ratio = parse_ratio(&rule.max_ratio).unwrap_or(f64::INFINITY);
    let ratio = size.ratio().clamp(min_ratio, max_ratio);
    let mut w = f64::from(size.width);
    let mut h = w / ratio;
    // scale into the pixel and edge bounds
    let pixels = w * h;
    let min_pixels = rule.min_pixels.unwrap_or(0) as f64;
    if pixels < min_pixels {
        let k = (min_pixels / pixels).sqrt();
        w *= k;
        h *= k;
    }
    if w * h > rule.max_pixels as f64 {
        let k = (rule.max_pixels as f64 / (w * h)).sqrt();
        w *= k;
        h *= k;
    }
    let longest = w.max(h);
    if longest > f64::from(rule.max_edge) {
        let k = f64::from(rule.max_edge) / longest;
        w *= k;
        h *= k;
    }
    let candidates = [
        (round_to(w, m), round_to(h, m)),
        (round_to(w, m) + m, round_to(h, m)),
        (round_to(w, m), round_to(h, m) + m),
        (round_to(w, m) + m, round_to(h, m) + m),
        (round_to(w, m).saturating_sub(m), round_to(h, m)),
        (round_to(w, m), round_to(h, m).saturating_sub(m)),
        (
            round_to(w, m).saturating_sub(m),
            round_to(h, m).saturating_sub(m),
        ),
    ];
    candidates
        .into_iter()
        .filter(|(w, h)| *w > 0 && *h > 0)
        .map(|(width, height)| Size { width, height })
        .filter(|s| rule_violation(*s, rule).is_none())
        .min_by(|a, b| distance(*a, size).total_cmp(&distance(*b, size)))
}

fn distance(a: Size, b: Size) -> f64 {
    let dw = f64::from(a.width) - f64::from(b.width);
    let dh = f64::from(a.height) - f64::from(b.height);
    (dw * dw + dh * dh).sqrt() + (a.ratio().ln() - b.ratio().ln()).abs() * 1000.0
}

/// The listed size closest in aspect ratio (then in area) to `size`.
pub fn nearest_listed(size: Size, rules: &ModelRules) -> Option<String> {
    rules
        .sizes
        .iter()
        .filter_map(|s| Size::parse(s).map(|p| (s, p)))
        .min_by(|(_, a), (_, b)| {
            let ka = (
                (a.ratio().ln() - size.ratio().ln()).abs(),
                (a.pixels() as f64 - size.pixels() as f64).abs(),
            );
            let kb = (
                (b.ratio().ln() - size.ratio().ln()).abs(),
                (b.pixels() as f64 - size.pixels() as f64).abs(),
            );
            ka.partial_cmp(&kb).unwrap_or(std::cmp::Ordering::Equal)
        })
        .map(|(s, _)| s.clone())
}

/// The size a model should use for an aspect ratio: exact when its rule allows, else the
/// listed size of closest ratio. The flag is true when the ratio had to change.
pub fn for_ratio(ratio: f64, rules: &ModelRules) -> Option<(Size, bool)> {
    if let Some(rule) = rules.size_rule.known() {
        let (w, h) = if (ratio - 1.0).abs() < 1e-9 {
            (1024.0, 1024.0)
        } else if ratio > 1.0 {
            (1536.0, 1536.0 / ratio)
        } else {
            (1536.0 * ratio, 1536.0)
        };
        let target = Size {
            width: round_to(w, rule.multiple_of),
            height: round_to(h, rule.multiple_of),
        };
        let size = if rule_violation(target, rule).is_none() {
            Some(target)
        } else {
            nearest_valid(target, rule)
        };
        if let Some(size) = size {
            let changed = (size.ratio() - ratio).abs() / ratio > 0.01;
            return Some((size, changed));
        }
    }
    let probe = Size {
        width: (1000.0 * ratio.sqrt()) as u32 + 1,
        height: (1000.0 / ratio.sqrt()) as u32 + 1,
    };
    let listed = nearest_listed(probe, rules)?;
    let size = Size::parse(&listed)?;
    Some((size, (size.ratio() - ratio).abs() / ratio > 0.01))
}

/// `8294400` → `8,294,400`.
pub fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::models::ModelTable;

    #[test]
    fn gpt_image_2_sizes() {
        let table = ModelTable::builtin();
        let (_, rules) = table.get("gpt-image-2").expect("model");
        assert_eq!(check("1024x1536", rules), Ok(None));
        assert_eq!(check("auto", rules), Ok(None));
        assert_eq!(check("3840x2160", rules).map(|w| w.is_some()), Ok(true));
        let p = check("1000x1000", rules).unwrap_err();
        assert_eq!(p.reason, "both edges must be multiples of 16");
        assert_eq!(p.suggestions, vec!["1008x1008", "1024x1024"]);
        assert!(check("4000x1000", rules).is_err());
        assert!(
            check("512x512", rules)
                .unwrap_err()
                .reason
                .contains("at least 655,360")
        );
        assert!(check("3840x3840", rules).is_err());
        assert!(check("2000x640", rules).is_err(), "ratio above 3:1");
    }

    #[test]
    fn ratios() {
        let table = ModelTable::builtin();
        let (_, rules) = table.get("gpt-image-2").expect("model");
        assert_eq!(
            for_ratio(9.0 / 16.0, rules),
            Some((
                Size {
                    width: 864,
                    height: 1536
                },
                false
            ))
        );
        assert_eq!(
            for_ratio(1.0, rules),
            Some((
                Size {
                    width: 1024,
                    height: 1024
                },
                false
            ))
        );
        let (_, listed_only) = table.get("gpt-image-1.5").expect("model");
        // 1024x1536 is 2:3, not 9:16: flagged so the caller warns
        let mapped = for_ratio(9.0 / 16.0, listed_only);
        assert_eq!(
            mapped,
            Some((
                Size {
                    width: 1024,
                    height: 1536
                },
                true
            ))
        );
    }
}
