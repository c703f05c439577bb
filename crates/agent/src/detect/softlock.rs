//! Soft-lock: the game runs, but play cannot get anywhere any more.

use std::collections::{BTreeSet, VecDeque};

use playtest_types::{BugCategory, Confidence, Severity};

use super::{Detection, Detector, DetectorSettings, Moment, uniform_colour};
use crate::cells::CellId;
use crate::describe::action_key;
use crate::fingerprint::fingerprint;

/// See the module documentation of [`crate::detect`] for the rule (a blank
/// screen is left to the blank-screen detector). The
/// window restarts with every cell new to the run and with every restart,
/// so exploring a saturated but open game never qualifies: its moves keep
/// leading through more cells than the limit.
#[derive(Debug)]
pub struct SoftLockDetector {
    settings: DetectorSettings,
    /// (cell before, cell after, the input's key) of recent actions.
    window: VecDeque<(CellId, CellId, Option<String>)>,
    reported_this_life: bool,
}

impl SoftLockDetector {
    pub fn new(settings: DetectorSettings) -> Self {
        Self {
            settings,
            window: VecDeque::new(),
            reported_this_life: false,
        }
    }
}

impl Detector for SoftLockDetector {
    fn name(&self) -> &'static str {
        "soft-lock"
    }

    fn observe(&mut self, moment: &Moment<'_>) -> Vec<Detection> {
        let (Some(action), Some(cell), Some(previous)) =
            (moment.action, moment.cell, moment.previous_cell)
        else {
            return Vec::new();
        };
        if moment.new_cell {
            self.window.clear();
            return Vec::new();
        }
        let key = moment.input().map(|_| action_key(action));
        self.window.push_back((previous, cell, key));
        if self.window.len() > self.settings.softlock_actions {
            self.window.pop_front();
        }
        if self.reported_this_life || self.window.len() < self.settings.softlock_actions {
            return Vec::new();
        }
        let cells: BTreeSet<CellId> = self.window.iter().flat_map(|(a, b, _)| [*a, *b]).collect();
        if cells.len() > self.settings.softlock_max_cells {
            return Vec::new();
        }
        let inputs: BTreeSet<&str> = self
            .window
            .iter()
            .filter_map(|(_, _, key)| key.as_deref())
            .collect();
        if inputs.len() < self.settings.softlock_min_distinct_inputs {
            return Vec::new();
        }
        let blank = uniform_colour(
            &moment.observation.frame,
            self.settings.blank_fraction,
            self.settings.blank_distance,
        );
        if blank.is_some() {
            return Vec::new();
        }
        let known_way_out = cells.iter().any(|cell| {
            moment
                .graph
                .edges_from(*cell)
                .any(|(_, to)| to.keys().any(|next| !cells.contains(next)))
        });
        if known_way_out {
            return Vec::new();
        }
        self.reported_this_life = true;
        vec![Detection {
            category: BugCategory::Gameplay,
            severity: Severity::Medium,
            confidence: Confidence::Low,
            title: "The game got stuck (soft-lock)".into(),
            description: format!(
                "For {} actions, {} different inputs kept the game within {} screen state(s), none new, and no input ever led out of them: only a restart helps.",
                self.window.len(),
                inputs.len(),
                cells.len()
            ),
            fingerprint: fingerprint("soft-lock", &[]),
            stuck: true,
        }]
    }

    fn restarted(&mut self) {
        self.window.clear();
        self.reported_this_life = false;
    }
}
