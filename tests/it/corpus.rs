//! The verify corpus: images the tests draw themselves with a real font (DejaVu Sans Bold and
//! Serif Bold, `tests/fonts`), each with the verdict `imgprompt verify` must give.
use ab_glyph::{Font as _, FontRef, PxScale, ScaleFont as _};
use image::{Rgba, RgbaImage};

/// The typefaces.
#[derive(Debug, Clone, Copy)]
pub enum Face {
    Sans,
    Serif,
}

fn font(face: Face) -> FontRef<'static> {
    let bytes: &'static [u8] = match face {
        Face::Sans => include_bytes!("../fonts/DejaVuSans-Bold.ttf"),
        Face::Serif => include_bytes!("../fonts/DejaVuSerif-Bold.ttf"),
    };
    FontRef::try_from_slice(bytes).expect("font")
}

/// What to draw: lines of text (each with its pixel size), centred, one under the other.
#[derive(Debug, Clone)]
pub struct Scene {
    pub width: u32,
    pub height: u32,
    pub background: [u8; 4],
    pub ink: [u8; 4],
    pub face: Face,
    pub lines: Vec<(String, f32)>,
}

/// Dark type on an off-white page.
pub const PAPER: [u8; 4] = [246, 242, 232, 255];
pub const INK: [u8; 4] = [24, 28, 40, 255];
/// Light type on a dark page.
pub const NIGHT: [u8; 4] = [16, 24, 56, 255];
pub const CREAM: [u8; 4] = [250, 236, 200, 255];
/// Nothing at all.
pub const CLEAR: [u8; 4] = [0, 0, 0, 0];

impl Scene {
    /// A 1024×1536 page with these lines.
    pub fn page(face: Face, background: [u8; 4], ink: [u8; 4], lines: &[(&str, f32)]) -> Scene {
        Scene {
            width: 1024,
            height: 1536,
            background,
            ink,
            face,
            lines: lines.iter().map(|(t, s)| (t.to_string(), *s)).collect(),
        }
    }

    /// The pixels.
    pub fn draw(&self) -> RgbaImage {
        let mut img = RgbaImage::from_pixel(self.width, self.height, Rgba(self.background));
        let font = font(self.face);
        let total: f32 = self.lines.iter().map(|(_, s)| s * 1.6).sum();
        let mut y = (self.height as f32 - total) / 2.0;
        for (text, size) in &self.lines {
            let scaled = font.as_scaled(PxScale::from(*size));
            let width: f32 = text
                .chars()
                .map(|c| scaled.h_advance(font.glyph_id(c)))
                .sum();
            let mut x = (self.width as f32 - width) / 2.0;
            let baseline = y + scaled.ascent();
            for c in text.chars() {
                let id = font.glyph_id(c);
                let glyph = id.with_scale_and_position(*size, ab_glyph::point(x, baseline));
                x += scaled.h_advance(id);
                let Some(outline) = font.outline_glyph(glyph) else {
                    continue;
                };
                let bounds = outline.px_bounds();
                outline.draw(|gx, gy, cov| {
                    let px = bounds.min.x as i64 + i64::from(gx);
                    let py = bounds.min.y as i64 + i64::from(gy);
                    if px < 0
                        || py < 0
                        || px >= i64::from(self.width)
                        || py >= i64::from(self.height)
                    {
                        return;
                    }
                    let p = img.get_pixel_mut(px as u32, py as u32);
                    *p = blend(*p, self.ink, cov);
                });
            }
            y += size * 1.6;
        }
        img
    }

    /// As PNG bytes (RGBA).
    pub fn png(&self) -> Vec<u8> {
        encode(
            &image::DynamicImage::ImageRgba8(self.draw()),
            image::ImageFormat::Png,
        )
    }

    /// As PNG bytes without an alpha channel (RGB).
    pub fn png_opaque(&self) -> Vec<u8> {
        let rgb = image::DynamicImage::ImageRgba8(self.draw()).to_rgb8();
        encode(
            &image::DynamicImage::ImageRgb8(rgb),
            image::ImageFormat::Png,
        )
    }

    /// As JPEG bytes.
    pub fn jpeg(&self) -> Vec<u8> {
        let rgb = image::DynamicImage::ImageRgba8(self.draw()).to_rgb8();
        encode(
            &image::DynamicImage::ImageRgb8(rgb),
            image::ImageFormat::Jpeg,
        )
    }
}

fn encode(img: &image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), format)
        .expect("encode");
    out
}

/// `ink` over `under` at coverage `cov` (alpha composited).
fn blend(under: Rgba<u8>, ink: [u8; 4], cov: f32) -> Rgba<u8> {
    let a = cov.clamp(0.0, 1.0) * f32::from(ink[3]) / 255.0;
    let ua = f32::from(under[3]) / 255.0;
    let out_a = a + ua * (1.0 - a);
    if out_a <= 0.0 {
        return Rgba([0, 0, 0, 0]);
    }
    let mix = |i: usize| {
        ((f32::from(ink[i]) * a + f32::from(under[i]) * ua * (1.0 - a)) / out_a).round() as u8
    };
    Rgba([mix(0), mix(1), mix(2), (out_a * 255.0).round() as u8])
}
