//! What tesseract is given: the screen in grey, enlarged when small.
//!
//! tesseract's models were trained on print scanned at about 300 dpi; a
//! game's text is drawn at screen resolution, often small and anti-aliased
//! on coloured backgrounds. Colour carries nothing tesseract uses (it
//! converts to grey itself), so the picture is made grey here, then
//! enlarged twice, smoothly (bilinear), when it is no bigger than
//! [`UPSCALE_UP_TO`] pixels: on the 2048 screens of the tests that reads the
//! score boxes' small print that the picture as shot misses, where
//! repeating pixels (nearest neighbour) lost "New Game" again. It goes to
//! tesseract as a binary PGM, which tesseract reads from stdin like a PNG
//! but which costs nothing to write.

use crate::error::OcrError;

/// Pictures of at most this many pixels are enlarged twice: 1280×800 and
/// smaller. A larger screen draws its text larger, and twice its size would
/// cost tesseract seconds.
pub const UPSCALE_UP_TO: u64 = 1280 * 800;

/// A picture of the screen: row-major RGB, 3 bytes a pixel.
#[derive(Debug, Clone, Copy)]
pub struct Picture<'a> {
    width: u32,
    height: u32,
    rgb: &'a [u8],
}

impl<'a> Picture<'a> {
    pub fn new(width: u32, height: u32, rgb: &'a [u8]) -> Result<Self, OcrError> {
        let expected = u64::from(width) * u64::from(height) * 3;
        if width == 0 || height == 0 || rgb.len() as u64 != expected {
            return Err(OcrError::BadPicture(format!(
                "{width}x{height} needs {expected} bytes of RGB, got {}",
                rgb.len()
            )));
        }
        Ok(Self { width, height, rgb })
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// How many times the picture is enlarged before it is read.
    pub(crate) fn scale(&self) -> u32 {
        if u64::from(self.width) * u64::from(self.height) <= UPSCALE_UP_TO {
            2
        } else {
            1
        }
    }
}

/// A grey picture, one byte a pixel.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Grey {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl Grey {
    /// The picture's luma (Rec. 601 weights, in integers).
    pub fn of(picture: &Picture<'_>) -> Self {
        let pixels = picture
            .rgb
            .chunks_exact(3)
            .map(|p| {
                let luma = 299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2]);
                ((luma + 500) / 1000) as u8
            })
            .collect();
        Self {
            width: picture.width,
            height: picture.height,
            pixels,
        }
    }

    /// Enlarged `scale` times, each new pixel interpolated between its four
    /// nearest old ones (pixel centres aligned, edges clamped).
    pub fn enlarged(&self, scale: u32) -> Self {
        if scale <= 1 {
            return self.clone();
        }
        let (width, height) = (self.width * scale, self.height * scale);
        let source = |x: u32, y: u32| f32::from(self.pixels[(y * self.width + x) as usize]);
        let axis = |at: u32, size: u32| {
            let position = ((at as f32 + 0.5) / scale as f32 - 0.5).max(0.0);
            let low = (position as u32).min(size - 1);
            let high = (low + 1).min(size - 1);
            (low, high, position - low as f32)
        };
        let columns: Vec<_> = (0..width).map(|x| axis(x, self.width)).collect();
        let mut pixels = Vec::with_capacity((width * height) as usize);
        for y in 0..height {
            let (top, bottom, down) = axis(y, self.height);
            for &(left, right, across) in &columns {
                let upper = source(left, top) * (1.0 - across) + source(right, top) * across;
                let lower = source(left, bottom) * (1.0 - across) + source(right, bottom) * across;
                pixels.push((upper * (1.0 - down) + lower * down).round() as u8);
            }
        }
        Self {
            width,
            height,
            pixels,
        }
    }

    /// A binary PGM (`P5`) file of the picture.
    pub fn pgm(&self) -> Vec<u8> {
        let mut file = format!("P5\n{} {}\n255\n", self.width, self.height).into_bytes();
        file.extend_from_slice(&self.pixels);
        file
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_picture_whose_bytes_do_not_match_its_size_is_refused() {
        assert!(Picture::new(2, 2, &[0; 11]).is_err());
        assert!(Picture::new(0, 0, &[]).is_err());
        assert!(Picture::new(2, 2, &[0; 12]).is_ok());
    }

    #[test]
    fn grey_weighs_green_most_and_keeps_black_and_white() {
        let rgb = [0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 255, 0];
        let grey = Grey::of(&Picture::new(4, 1, &rgb).unwrap());
        assert_eq!(grey.pixels[..2], [0, 255]);
        assert!(grey.pixels[3] > grey.pixels[2]);
    }

    #[test]
    fn enlarging_keeps_flat_areas_and_blends_across_an_edge() {
        let grey = Grey {
            width: 2,
            height: 1,
            pixels: vec![0, 200],
        };
        let big = grey.enlarged(2);
        assert_eq!((big.width, big.height), (4, 2));
        assert_eq!(big.pixels[..4], [0, 50, 150, 200]);
        assert_eq!(big.pixels[..4], big.pixels[4..]);
    }

    #[test]
    fn small_screens_are_enlarged_and_large_ones_are_not() {
        let small = vec![0; 800 * 600 * 3];
        assert_eq!(Picture::new(800, 600, &small).unwrap().scale(), 2);
        let large = vec![0; 1920 * 1080 * 3];
        assert_eq!(Picture::new(1920, 1080, &large).unwrap().scale(), 1);
    }

    #[test]
    fn the_pgm_header_gives_the_size_and_depth() {
        let grey = Grey {
            width: 3,
            height: 2,
            pixels: vec![7; 6],
        };
        let file = grey.pgm();
        assert!(file.starts_with(b"P5\n3 2\n255\n"));
        assert_eq!(file.len(), 11 + 6);
    }
}
