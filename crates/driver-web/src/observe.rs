//! Takes the picture of an observation: a screenshot of the viewport,
//! decoded to RGB, with the encoded bytes kept for saving as is.

use base64::Engine;
use chromiumoxide::Page;
use chromiumoxide::cdp::browser_protocol::page::{
    CaptureScreenshotFormat, CaptureScreenshotParams,
};
use image::ImageFormat as Codec;
use playtest_agent::{EncodedImage, Frame, ImageFormat};

use crate::WebDriverError;
use crate::guard::Guard;

/// How screenshots are encoded by the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreenshotFormat {
    /// Lossy, small and fast to encode and decode (the default, quality 80).
    Jpeg { quality: u8 },
    /// Lossless, for pixel comparisons; larger and slower.
    Png,
}

impl Default for ScreenshotFormat {
    fn default() -> Self {
        ScreenshotFormat::Jpeg { quality: 80 }
    }
}

/// The viewport, encoded as asked.
pub(crate) async fn capture(
    page: &Page,
    guard: &Guard,
    format: ScreenshotFormat,
) -> Result<EncodedImage, WebDriverError> {
    let mut params = CaptureScreenshotParams {
        optimize_for_speed: Some(true),
        ..CaptureScreenshotParams::default()
    };
    let image_format = match format {
        ScreenshotFormat::Jpeg { quality } => {
            params.format = Some(CaptureScreenshotFormat::Jpeg);
            params.quality = Some(i64::from(quality.min(100)));
            ImageFormat::Jpeg
        }
        ScreenshotFormat::Png => {
            params.format = Some(CaptureScreenshotFormat::Png);
            ImageFormat::Png
        }
    };
    let response = guard.run(page.execute(params)).await?;
    let data: &str = response.result.data.as_ref();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|error| {
            WebDriverError::Command(format!("a screenshot that is not base64: {error}"))
        })?;
    Ok(EncodedImage {
        format: image_format,
        bytes,
    })
}

/// Decodes an encoded screenshot to RGB, keeping the encoded bytes.
pub(crate) fn decode(encoded: EncodedImage) -> Result<Frame, WebDriverError> {
    let codec = match encoded.format {
        ImageFormat::Jpeg => Codec::Jpeg,
        ImageFormat::Png => Codec::Png,
    };
    let image = image::load_from_memory_with_format(&encoded.bytes, codec)?.into_rgb8();
    Ok(Frame {
        width: image.width(),
        height: image.height(),
        rgb: image.into_raw(),
        encoded: Some(encoded),
    })
}

/// A black frame, for when the page cannot be pictured (it crashed before
/// the first screenshot).
pub(crate) fn black(width: u32, height: u32) -> Frame {
    Frame {
        width,
        height,
        rgb: vec![0; width as usize * height as usize * 3],
        encoded: None,
    }
}
