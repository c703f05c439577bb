//! Black or blank screen: the picture became one colour and stayed so.

use std::time::Duration;

use playtest_types::{BugCategory, Confidence, Severity};

use super::{Detection, Detector, DetectorSettings, Moment};
use crate::driver::Frame;
use crate::fingerprint::fingerprint;

#[derive(Debug)]
pub struct BlankScreenDetector {
    settings: DetectorSettings,
    had_content: bool,
    blank_since: Option<(Duration, u32)>,
    reported_this_life: bool,
}

impl BlankScreenDetector {
    pub fn new(settings: DetectorSettings) -> Self {
        Self {
            settings,
            had_content: false,
            blank_since: None,
            reported_this_life: false,
        }
    }
}

/// The colour that at least `fraction` of the pixels are within `distance`
/// of (per channel), if any. Every fourth pixel of every fourth row is read.
pub fn uniform_colour(frame: &Frame, fraction: f32, distance: u8) -> Option<[u8; 3]> {
    let width = frame.width as usize;
    if width == 0 {
        return None;
    }
    let samples = || {
        frame
            .rgb
            .chunks_exact(width * 3)
            .step_by(4)
            .flat_map(|row| row.chunks_exact(3).step_by(4))
    };
    let bin = |p: &[u8]| {
        (usize::from(p[0] >> 4) << 8) | (usize::from(p[1] >> 4) << 4) | usize::from(p[2] >> 4)
    };
    let mut bins = [0u32; 4096];
    let mut total = 0usize;
    for pixel in samples() {
        bins[bin(pixel)] += 1;
        total += 1;
    }
    let (top, top_count) = bins.iter().enumerate().max_by_key(|(_, count)| **count)?;
    if total == 0 || (*top_count as f32) < 0.1 * total as f32 {
        return None;
    }
    let mut sum = [0u64; 3];
    for pixel in samples().filter(|p| bin(p) == top) {
        for channel in 0..3 {
            sum[channel] += u64::from(pixel[channel]);
        }
    }
    let colour = sum.map(|s| (s / u64::from((*top_count).max(1))) as u8);
    let near = samples()
        .filter(|p| (0..3).all(|c| p[c].abs_diff(colour[c]) <= distance))
        .count();
    (near as f32 >= fraction * total as f32).then_some(colour)
}

fn colour_class(colour: [u8; 3]) -> (&'static str, &'static str) {
    if colour.iter().all(|c| *c < 32) {
        ("black", "The screen went black")
    } else if colour.iter().all(|c| *c > 224) {
        ("white", "The screen went white")
    } else {
        ("uniform", "The screen went blank")
    }
}

impl Detector for BlankScreenDetector {
    fn name(&self) -> &'static str {
        "blank-screen"
    }

    fn observe(&mut self, moment: &Moment<'_>) -> Vec<Detection> {
        let at = moment.observation.at;
        let Some(colour) = uniform_colour(
            &moment.observation.frame,
            self.settings.blank_fraction,
            self.settings.blank_distance,
        ) else {
            self.had_content = true;
            self.blank_since = None;
            return Vec::new();
        };
        if !self.had_content || self.reported_this_life {
            return Vec::new();
        }
        let (since, count) = self.blank_since.get_or_insert((at, 0));
        *count += 1;
        let lasted = at.saturating_sub(*since);
        if lasted < self.settings.blank_duration || *count < self.settings.blank_min_observations {
            return Vec::new();
        }
        self.reported_this_life = true;
        let (class, title) = colour_class(colour);
        vec![Detection {
            category: BugCategory::Visual,
            severity: Severity::High,
            confidence: Confidence::Medium,
            title: title.into(),
            description: format!(
                "After showing content, the screen stayed a single colour (rgb({}, {}, {})) for {:.1} s over {} observations.",
                colour[0],
                colour[1],
                colour[2],
                lasted.as_secs_f32(),
                count
            ),
            fingerprint: fingerprint("blank-screen", &[class]),
            stuck: false,
        }]
    }

    fn restarted(&mut self) {
        self.had_content = false;
        self.blank_since = None;
        self.reported_this_life = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(rgb: Vec<u8>) -> Frame {
        Frame {
            width: 10,
            height: 10,
            rgb,
            encoded: None,
        }
    }

    #[test]
    fn a_nearly_black_frame_is_uniform_and_a_drawn_one_is_not() {
        let mut dark = vec![3u8; 300];
        dark[0] = 200;
        assert!(
            uniform_colour(&frame(dark), 0.98, 12).is_none(),
            "one bright sample in 25 is 4 %"
        );
        assert_eq!(
            uniform_colour(&frame(vec![5; 300]), 0.98, 12),
            Some([5, 5, 5])
        );
        let mut drawn = vec![5u8; 300];
        drawn[..150].fill(200);
        assert!(uniform_colour(&frame(drawn), 0.98, 12).is_none());
    }
}
