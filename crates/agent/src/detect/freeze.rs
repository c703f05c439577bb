//! Freeze: the picture stopped while the game should be moving.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use playtest_types::{BugCategory, Confidence, Severity};

use super::{Detection, Detector, DetectorSettings, Moment};
use crate::cells::CellId;
use crate::describe::action_key;
use crate::fingerprint::fingerprint;

/// See the module documentation of [`crate::detect`] for the two rules.
#[derive(Debug)]
pub struct FreezeDetector {
    settings: DetectorSettings,
    /// Per input: (tries, tries that changed the screen), over the run.
    by_input: BTreeMap<String, (u32, u32)>,
    /// Per cell and input: whether it ever changed the screen there.
    by_cell_input: BTreeMap<(CellId, String), bool>,
    /// Distinct inputs in the current run of no-change that should have
    /// changed something.
    ignored: BTreeSet<(CellId, String)>,
    /// Inputs that changed nothing since `ignored` reached
    /// `freeze_inputs`: the freeze is reported when they reach
    /// `freeze_confirm_inputs`, and forgotten when any input changes the
    /// screen (an end screen whose button works is not a freeze).
    unconfirmed: Option<usize>,
    stalled_since: Option<Duration>,
    reported_this_life: bool,
}

impl FreezeDetector {
    pub fn new(settings: DetectorSettings) -> Self {
        Self {
            settings,
            by_input: BTreeMap::new(),
            by_cell_input: BTreeMap::new(),
            ignored: BTreeSet::new(),
            unconfirmed: None,
            stalled_since: None,
            reported_this_life: false,
        }
    }

    fn expected_to_change(&self, cell: CellId, key: &str) -> bool {
        match self.by_cell_input.get(&(cell, key.to_string())) {
            Some(changed) => *changed,
            None => self.by_input.get(key).is_some_and(|(tries, changes)| {
                *tries >= 5 && *changes as f32 >= self.settings.freeze_change_ratio * *tries as f32
            }),
        }
    }

    fn report(&mut self, why: String) -> Vec<Detection> {
        if self.reported_this_life {
            return Vec::new();
        }
        self.reported_this_life = true;
        vec![Detection {
            category: BugCategory::Gameplay,
            severity: Severity::High,
            confidence: Confidence::Medium,
            title: "The game froze".into(),
            description: why,
            fingerprint: fingerprint("freeze", &[]),
            stuck: true,
        }]
    }
}

impl Detector for FreezeDetector {
    fn name(&self) -> &'static str {
        "freeze"
    }

    fn observe(&mut self, moment: &Moment<'_>) -> Vec<Detection> {
        let drew = moment.frames_advanced.is_none_or(|frames| frames > 0);
        let still = moment.screen_change <= self.settings.still_threshold && !drew;
        let mut found = Vec::new();

        if let (Some(action), Some(cell)) = (moment.input(), moment.previous_cell) {
            let key = action_key(action);
            let expected = self.expected_to_change(cell, &key);
            let changed = moment.screen_change > self.settings.still_threshold;
            let stats = self.by_input.entry(key.clone()).or_insert((0, 0));
            stats.0 += 1;
            stats.1 += u32::from(changed);
            let ever = self
                .by_cell_input
                .entry((cell, key.clone()))
                .or_insert(false);
            *ever |= changed;
            if !still {
                self.ignored.clear();
                self.unconfirmed = None;
            } else if let Some(since) = self.unconfirmed.as_mut() {
                *since += 1;
                if *since >= self.settings.freeze_confirm_inputs {
                    let (count, more) = (self.ignored.len(), *since);
                    found.extend(self.report(format!(
                        "{count} different inputs in a row that normally change the screen changed nothing, nor did the {more} inputs after them, and the game drew no frame."
                    )));
                }
            } else if expected {
                self.ignored.insert((cell, key));
                if self.ignored.len() >= self.settings.freeze_inputs {
                    self.unconfirmed = Some(0);
                }
            }
        } else if !still {
            self.ignored.clear();
            self.unconfirmed = None;
        }

        if moment.render_loop == Some(true) && moment.frames_advanced.is_some() {
            let at = moment.observation.at;
            if moment.frames_advanced == Some(0) {
                let since = *self.stalled_since.get_or_insert(at);
                if at.saturating_sub(since) >= self.settings.freeze_stall {
                    found.extend(self.report(format!(
                        "The game, which draws continuously, drew no frame for {:.1} s.",
                        at.saturating_sub(since).as_secs_f32()
                    )));
                }
            } else {
                self.stalled_since = None;
            }
        }
        found
    }

    fn restarted(&mut self) {
        self.ignored.clear();
        self.unconfirmed = None;
        self.stalled_since = None;
        self.reported_this_life = false;
    }
}
