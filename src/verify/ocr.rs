//! Reading the text of an image with Tesseract, run as a program (`tesseract`, Debian's
//! `tesseract-ocr` and `tesseract-ocr-eng`): no C library to link or build, any installed
//! version works, and a missing engine is a clear error instead of a build failure.
//!
//! Generated type is stylised, so one image is read several ways ([`passes`]): flattened onto a
//! contrasting background and turned to grayscale, in both polarities, at twice the size when
//! the image is small, in two page-segmentation modes. Each pass is a picture sent on standard
//! input and a TSV of words with confidences read back.
use std::io::Write;
use std::process::{Command, Stdio};

use image::{GrayImage, RgbaImage};

use super::text::Word;

/// The program, unless `IMGPROMPT_TESSERACT` names another.
pub const DEFAULT_PROGRAM: &str = "tesseract";

/// How the engine is called.
#[derive(Debug, Clone)]
pub struct Tesseract {
    /// The program.
    pub program: String,
    /// Tesseract languages, `+`-joined (`eng`, `eng+deu`).
    pub lang: String,
}

/// Why OCR could not run at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OcrError {
    /// The program is not there: what to install.
    Missing(String),
    /// A language's data is not installed: which package holds it.
    Language(String),
    /// It ran and failed.
    Failed(String),
}

impl std::fmt::Display for OcrError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OcrError::Missing(p) => write!(
                f,
                "the OCR engine `{p}` is not installed: install Tesseract (Debian/Ubuntu: `apt-get install tesseract-ocr tesseract-ocr-eng`; macOS: `brew install tesseract`), or name the program with IMGPROMPT_TESSERACT"
            ),
            OcrError::Language(l) => write!(
                f,
                "Tesseract has no data for the language `{l}`: install it (Debian/Ubuntu: `apt-get install tesseract-ocr-{l}`), or choose another with --lang"
            ),
            OcrError::Failed(e) => write!(f, "Tesseract failed: {e}"),
        }
    }
}

impl Tesseract {
    /// `IMGPROMPT_TESSERACT`, else `tesseract`, for `lang`.
    pub fn new(lang: &str) -> Tesseract {
        let program = std::env::var("IMGPROMPT_TESSERACT")
            .ok()
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| DEFAULT_PROGRAM.to_string());
        Tesseract {
            program,
            lang: lang.to_string(),
        }
    }

    /// Checks that the engine runs and has every language: the error says what to install.
    pub fn check(&self) -> Result<(), OcrError> {
        let out = Command::new(&self.program)
            .arg("--list-langs")
            .output()
            .map_err(|_| OcrError::Missing(self.program.clone()))?;
        let listed = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        let have: Vec<&str> = listed.lines().map(str::trim).collect();
        for lang in self.lang.split('+') {
            if !have.contains(&lang) {
                return Err(OcrError::Language(lang.to_string()));
            }
        }
        Ok(())
    }

    /// The words of one picture, read in page-segmentation mode `psm`, in reading order.
    pub fn read(&self, picture: &GrayImage, psm: u8) -> Result<Vec<Word>, OcrError> {
        let mut png = Vec::new();
        picture
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .map_err(|e| OcrError::Failed(e.to_string()))?;
        let mut child = Command::new(&self.program)
            .args([
                "stdin",
                "stdout",
                "--psm",
                &psm.to_string(),
                "-l",
                &self.lang,
            ])
            .arg("tsv")
            // one thread per run: the passes already run side by side
            .env("OMP_THREAD_LIMIT", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|_| OcrError::Missing(self.program.clone()))?;
        let mut stdin = child.stdin.take().expect("piped");
        let writer = std::thread::spawn(move || stdin.write_all(&png));
        let out = child
            .wait_with_output()
            .map_err(|e| OcrError::Failed(e.to_string()))?;
        let _ = writer.join();
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(OcrError::Failed(
                err.lines().last().unwrap_or("no message").to_string(),
            ));
        }
        Ok(parse_tsv(&String::from_utf8_lossy(&out.stdout)))
    }
}

/// The words of Tesseract's TSV (level 5 rows with text), in its reading order.
pub fn parse_tsv(tsv: &str) -> Vec<Word> {
    tsv.lines()
        .skip(1)
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            if cols.len() < 12 || cols[0] != "5" {
                return None;
            }
            let text = cols[11].trim();
            let conf: f32 = cols[10].parse().ok()?;
            (!text.is_empty() && conf >= 0.0).then(|| Word {
                text: text.to_string(),
                conf,
            })
        })
        .collect()
}

/// One way of reading the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Pass {
    /// Light text on dark turned dark on light.
    pub inverted: bool,
    /// Upscaled 2× (small images only).
    pub upscaled: bool,
    /// Tesseract's page-segmentation mode: 11 sparse text, 3 automatic page layout.
    pub psm: u8,
}

/// The passes for an image of `width`×`height`, the likeliest first: sparse text at the original
/// size, then the other polarity, the automatic page layout (which finds text on bands and
/// buttons that sparse mode misses), and 2× when the short side is under 1,200 pixels.
pub fn passes(width: u32, height: u32) -> Vec<Pass> {
    let small = width.min(height) < 1200;
    let mut out = Vec::new();
    for (upscaled, psm) in [(false, 11), (false, 3), (true, 11)] {
        if upscaled && !small {
            continue;
        }
        for inverted in [false, true] {
            out.push(Pass {
                inverted,
                upscaled,
                psm,
            });
        }
    }
    out
}

/// The grayscale picture OCR reads, from the image's pixels: transparent pixels flattened onto
/// the background that contrasts with the opaque ones (white behind dark type, black behind
/// light), so text on a transparent background does not vanish.
pub fn grayscale(rgba: &RgbaImage) -> GrayImage {
    let (mut sum, mut n) = (0.0f64, 0.0f64);
    for p in rgba.pixels() {
        let a = f64::from(p[3]) / 255.0;
        sum += luma(p) * a;
        n += a;
    }
    let back = if n > 0.0 && sum / n < 128.0 {
        255.0
    } else {
        0.0
    };
    // an opaque image has nothing to flatten: its own luma
    let back = if rgba.pixels().all(|p| p[3] == 255) {
        0.0
    } else {
        back
    };
    GrayImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y);
        let a = f64::from(p[3]) / 255.0;
        image::Luma([(luma(p) * a + back * (1.0 - a)).round() as u8])
    })
}

fn luma(p: &image::Rgba<u8>) -> f64 {
    0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2])
}

/// The picture for one pass.
pub fn picture(gray: &GrayImage, pass: Pass) -> GrayImage {
    let mut g = if pass.upscaled {
        image::imageops::resize(
            gray,
            gray.width() * 2,
            gray.height() * 2,
            image::imageops::FilterType::Triangle,
        )
    } else {
        gray.clone()
    };
    if pass.inverted {
        image::imageops::invert(&mut g);
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tsv_words() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t10\t10\t50\t20\t96.5\tBlue\n\
                   5\t1\t1\t1\t1\t2\t70\t10\t50\t20\t91\tNotes\n\
                   5\t1\t1\t1\t1\t3\t70\t10\t50\t20\t40\t \n";
        let words = parse_tsv(tsv);
        assert_eq!(words.len(), 2);
        assert_eq!(words[0].text, "Blue");
        assert!((words[1].conf - 91.0).abs() < 1e-6);
    }

    #[test]
    fn flattens_onto_a_contrasting_background() {
        // dark type on a transparent background: the background turns white
        let mut img = RgbaImage::from_pixel(4, 1, image::Rgba([0, 0, 0, 0]));
        img.put_pixel(0, 0, image::Rgba([0, 0, 0, 255]));
        let g = grayscale(&img);
        assert_eq!(g.get_pixel(0, 0)[0], 0);
        assert_eq!(g.get_pixel(1, 0)[0], 255);
        // light type: black
        let mut img = RgbaImage::from_pixel(4, 1, image::Rgba([0, 0, 0, 0]));
        img.put_pixel(0, 0, image::Rgba([255, 255, 255, 255]));
        assert_eq!(grayscale(&img).get_pixel(1, 0)[0], 0);
        assert_eq!(passes(1024, 1536).len(), 6);
        assert_eq!(passes(1536, 2048).len(), 4);
    }
}
