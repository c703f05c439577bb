//! Performance: frames take much longer than they did at the start.

use std::collections::VecDeque;

use playtest_types::{BugCategory, Confidence, Severity};

use super::{Detection, Detector, DetectorSettings, Moment};
use crate::fingerprint::fingerprint;

/// Compares a sliding window's 95th percentile of frame intervals with the
/// run's own baseline; reported once per run.
#[derive(Debug)]
pub struct PerformanceDetector {
    settings: DetectorSettings,
    baseline_frames: Vec<f32>,
    baseline_p95: Option<f32>,
    window: VecDeque<f32>,
    reported: bool,
}

impl PerformanceDetector {
    pub fn new(settings: DetectorSettings) -> Self {
        Self {
            settings,
            baseline_frames: Vec::new(),
            baseline_p95: None,
            window: VecDeque::new(),
            reported: false,
        }
    }
}

/// The 95th percentile (nearest rank) of some values.
pub fn p95(values: impl IntoIterator<Item = f32>) -> Option<f32> {
    let mut sorted: Vec<f32> = values.into_iter().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f32::total_cmp);
    let rank = ((sorted.len() as f32 * 0.95).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

impl Detector for PerformanceDetector {
    fn name(&self) -> &'static str {
        "performance"
    }

    fn observe(&mut self, moment: &Moment<'_>) -> Vec<Detection> {
        // Frame intervals are the driver's own measure of how often the
        // page can draw (web: a requestAnimationFrame loop of the driver's),
        // so they tell jank whether or not the game draws in a loop: a
        // board game that draws only on a move (2048) still shows a script
        // that hogs every frame.
        if moment.first_of_life || self.reported {
            return Vec::new();
        }
        for interval in &moment.observation.frame_intervals_ms {
            if self.baseline_p95.is_none() {
                self.baseline_frames.push(*interval);
                if self.baseline_frames.len() >= self.settings.perf_baseline_frames {
                    self.baseline_p95 = p95(self.baseline_frames.drain(..));
                }
                continue;
            }
            self.window.push_back(*interval);
            if self.window.len() > self.settings.perf_window_frames {
                self.window.pop_front();
            }
        }
        let (Some(baseline), true) = (
            self.baseline_p95,
            self.window.len() >= self.settings.perf_min_window,
        ) else {
            return Vec::new();
        };
        let threshold =
            (baseline * self.settings.perf_factor).max(baseline + self.settings.perf_margin_ms);
        let current = p95(self.window.iter().copied()).unwrap_or(0.0);
        if current <= threshold {
            return Vec::new();
        }
        self.reported = true;
        vec![Detection {
            category: BugCategory::Performance,
            severity: Severity::Medium,
            confidence: Confidence::Medium,
            title: "Frames became slow".into(),
            description: format!(
                "The 95th percentile of the last {} frame intervals is {current:.1} ms, against {baseline:.1} ms at the start of the run (limit {threshold:.1} ms): about {:.0} frames per second instead of {:.0}.",
                self.window.len(),
                1000.0 / current,
                1000.0 / baseline
            ),
            fingerprint: fingerprint("performance", &["frame-interval-p95"]),
            stuck: false,
        }]
    }

    fn restarted(&mut self) {
        self.window.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_p95_is_the_nearest_rank() {
        let values: Vec<f32> = (1..=100).map(|v| v as f32).collect();
        assert_eq!(p95(values), Some(95.0));
        assert_eq!(p95([3.0]), Some(3.0));
        assert_eq!(p95(Vec::<f32>::new()), None);
    }
}
