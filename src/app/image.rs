//! What an image's bytes are: the format told by its magic bytes, so an answer that is not the
//! image it claims (an error page, JPEG bytes for a PNG request) is refused before it is saved.

/// The format of `bytes` by their first bytes: `png`, `jpeg`, `webp`, `gif` or `svg` (an XML or
/// `<svg` document), else `None`.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpeg")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("webp")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("gif")
    } else if is_svg(bytes) {
        Some("svg")
    } else {
        None
    }
}

fn is_svg(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start_matches('\u{feff}').trim_start();
    (t.starts_with("<?xml") || t.starts_with("<svg") || t.starts_with("<!--")) && t.contains("<svg")
}

/// Checks that `bytes` are an image of `format` (an output format name: `png`, `jpeg`/`jpg`,
/// `webp`, `gif`, `svg`); the error says what they are instead.
pub fn check(bytes: &[u8], format: &str) -> Result<(), String> {
    let want = match format {
        "jpg" => "jpeg",
        f => f,
    };
    match sniff(bytes) {
        Some(found) if found == want => Ok(()),
        Some(found) => Err(format!("{want} was requested, the bytes are {found}")),
        None if bytes.is_empty() => Err(String::from("the image is empty")),
        None => Err(format!(
            "{want} was requested, the bytes are not an image (they start {:?})",
            String::from_utf8_lossy(&bytes[..bytes.len().min(16)])
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_the_formats() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("png"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("jpeg"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("webp"));
        assert_eq!(sniff(b"GIF89a.."), Some("gif"));
        assert_eq!(sniff(b"<?xml version=\"1.0\"?><svg/>"), Some("svg"));
        assert_eq!(sniff(b"{\"error\": 1}"), None);
        assert!(check(&[0xFF, 0xD8, 0xFF], "png").is_err());
        assert!(check(&[0xFF, 0xD8, 0xFF], "jpg").is_ok());
        assert!(check(b"", "png").is_err());
    }
}
