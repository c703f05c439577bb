//! How alike a region of the screen is to a reference picture.
//!
//! Both pictures are reduced to greyscale block means on the same grid
//! (at most 32×32 blocks, fewer when the region is smaller), and the
//! similarity is `1 − mean |a − b| / 255` over the blocks: 1.0 for the same
//! picture, about 0.99 for the same picture through lossy compression or a
//! one-pixel shift, 0.0 for black against white. Comparing block means
//! makes the measure indifferent to the two pictures' resolutions and to
//! noise, and sensitive to what a person would notice: shapes, layout and
//! brightness (not hue: a red and a green of the same brightness are alike).

use crate::driver::Frame;
use crate::error::AgentError;

/// Blocks across and down, at most.
pub const SIMILARITY_GRID: u32 = 32;

/// A reference picture from decoded RGB pixels (the worker decodes the
/// test's PNG assets).
pub fn reference_image(width: u32, height: u32, rgb: Vec<u8>) -> Result<Frame, AgentError> {
    let expected = width as usize * height as usize * 3;
    if width == 0 || height == 0 || rgb.len() != expected {
        return Err(AgentError::InvalidImage(format!(
            "{width}×{height} RGB needs {expected} bytes, got {}",
            rgb.len()
        )));
    }
    Ok(Frame {
        width,
        height,
        rgb,
        encoded: None,
    })
}

/// The similarity of `region` (`[x, y, w, h]`, the whole frame when
/// `None`) of `frame` to the whole of `reference`.
pub fn region_similarity(
    frame: &Frame,
    region: Option<[i32; 4]>,
    reference: &Frame,
) -> Result<f64, AgentError> {
    let [x, y, w, h] = region.unwrap_or([0, 0, frame.width as i32, frame.height as i32]);
    let left = x.clamp(0, frame.width as i32);
    let top = y.clamp(0, frame.height as i32);
    let right = (x.saturating_add(w)).clamp(0, frame.width as i32);
    let bottom = (y.saturating_add(h)).clamp(0, frame.height as i32);
    if right <= left || bottom <= top {
        return Err(AgentError::InvalidImage(format!(
            "the region [{x}, {y}, {w}, {h}] lies outside the {}×{} screen",
            frame.width, frame.height
        )));
    }
    if reference.width == 0 || reference.height == 0 {
        return Err(AgentError::InvalidImage(
            "the reference picture is empty".into(),
        ));
    }
    let crop = [
        left as u32,
        top as u32,
        (right - left) as u32,
        (bottom - top) as u32,
    ];
    let columns = SIMILARITY_GRID.min(crop[2]).min(reference.width);
    let rows = SIMILARITY_GRID.min(crop[3]).min(reference.height);
    let a = block_means(frame, crop, columns, rows);
    let b = block_means(
        reference,
        [0, 0, reference.width, reference.height],
        columns,
        rows,
    );
    let difference: f64 =
        a.iter().zip(&b).map(|(p, q)| (p - q).abs()).sum::<f64>() / a.len().max(1) as f64;
    Ok(1.0 - difference / 255.0)
}

/// Greyscale means of `columns × rows` blocks of a rectangle of a frame.
fn block_means(frame: &Frame, [x, y, w, h]: [u32; 4], columns: u32, rows: u32) -> Vec<f64> {
    let (columns, rows) = (columns.max(1) as usize, rows.max(1) as usize);
    let mut sums = vec![0f64; columns * rows];
    let mut counts = vec![0u32; columns * rows];
    let stride = frame.width as usize * 3;
    for dy in 0..h as usize {
        let row = (dy * rows / h as usize) * columns;
        let start = (y as usize + dy) * stride + x as usize * 3;
        let Some(pixels) = frame.rgb.get(start..start + w as usize * 3) else {
            continue;
        };
        for (dx, pixel) in pixels.chunks_exact(3).enumerate() {
            let block = row + dx * columns / w as usize;
            sums[block] += 0.299 * f64::from(pixel[0])
                + 0.587 * f64::from(pixel[1])
                + 0.114 * f64::from(pixel[2]);
            counts[block] += 1;
        }
    }
    sums.iter()
        .zip(&counts)
        .map(|(s, c)| if *c == 0 { 0.0 } else { s / f64::from(*c) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(width: u32, height: u32, paint: impl Fn(u32, u32) -> [u8; 3]) -> Frame {
        let mut rgb = Vec::with_capacity((width * height * 3) as usize);
        for y in 0..height {
            for x in 0..width {
                rgb.extend(paint(x, y));
            }
        }
        reference_image(width, height, rgb).expect("a valid picture")
    }

    fn checker(x: u32, y: u32) -> [u8; 3] {
        if (x / 8 + y / 8).is_multiple_of(2) {
            [250, 250, 250]
        } else {
            [10, 10, 10]
        }
    }

    #[test]
    fn a_region_is_fully_similar_to_a_copy_of_itself_at_another_size() {
        let screen = picture(64, 64, |x, y| {
            if x >= 16 && y >= 16 && x < 48 && y < 48 {
                checker(x - 16, y - 16)
            } else {
                [0, 0, 200]
            }
        });
        let reference = picture(32, 32, checker);
        let similarity = region_similarity(&screen, Some([16, 16, 32, 32]), &reference).unwrap();
        assert!(similarity > 0.999, "{similarity}");
        let whole = region_similarity(&screen, None, &reference).unwrap();
        assert!(whole < 0.9, "{whole}");
    }

    #[test]
    fn black_against_white_is_not_similar_at_all() {
        let black = picture(10, 10, |_, _| [0, 0, 0]);
        let white = picture(10, 10, |_, _| [255, 255, 255]);
        assert!(region_similarity(&black, None, &white).unwrap() < 0.001);
    }

    #[test]
    fn a_region_outside_the_screen_or_a_wrong_buffer_is_refused() {
        let screen = picture(10, 10, |_, _| [0, 0, 0]);
        assert!(region_similarity(&screen, Some([20, 20, 5, 5]), &screen).is_err());
        assert!(reference_image(2, 2, vec![0; 5]).is_err());
    }
}
