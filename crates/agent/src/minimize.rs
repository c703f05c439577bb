//! Shortening a bug's trace by delta debugging (Zeller's ddmin).
//!
//! The trace is cut into units that can be removed on their own: a key
//! held (`KeyDown`, its waits, `KeyUp`) is one unit, every other action
//! (waits included) is one. Each test of a candidate is one replay (restart
//! and actions). After every successful replay the candidate is also cut
//! after the action at which the bug showed. The search stops when no unit
//! can be removed, or at the budget of replays or time; the result is then
//! replayed once more, and only a trace that reproduced in that final
//! replay is returned as shortened (otherwise the original comes back).

use std::collections::BTreeMap;
use std::time::Duration;

use playtest_types::{Action, BugTrace};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::driver::Driver;
use crate::error::AgentError;
use crate::replay::{ReplaySettings, replay};
use crate::sink::{Finding, Sink};

#[derive(Debug, Clone, PartialEq)]
pub struct MinimizeSettings {
    pub replay: ReplaySettings,
    /// Replays at most, the final verification included.
    pub max_replays: u32,
    pub max_duration: Duration,
}

impl Default for MinimizeSettings {
    fn default() -> Self {
        Self {
            replay: ReplaySettings::default(),
            max_replays: 150,
            max_duration: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MinimizeOutcome {
    /// The shortest trace that reproduced in a final replay (the original
    /// when none did).
    pub trace: BugTrace,
    /// The original trace reproduced at all.
    pub reproduced: bool,
    /// `trace` is shorter than the original and reproduced in its final replay.
    pub shortened: bool,
    pub replays: u32,
    /// The finding of the last replay that reproduced.
    pub finding: Option<Finding>,
}

/// Actions grouped into removable units.
pub fn units(actions: &[Action]) -> Vec<Vec<Action>> {
    let mut units = Vec::new();
    let mut i = 0;
    while i < actions.len() {
        if let Action::KeyDown(key) = &actions[i] {
            let waits = actions[i + 1..]
                .iter()
                .take_while(|a| matches!(a, Action::WaitMs(_)))
                .count();
            if actions.get(i + 1 + waits) == Some(&Action::KeyUp(key.clone())) {
                units.push(actions[i..i + 2 + waits].to_vec());
                i += 2 + waits;
                continue;
            }
        }
        units.push(vec![actions[i].clone()]);
        i += 1;
    }
    units
}

struct Search<'a> {
    driver: &'a mut dyn Driver,
    sink: &'a dyn Sink,
    seed: u64,
    fingerprint: &'a str,
    settings: &'a MinimizeSettings,
    stop: &'a CancellationToken,
    units: Vec<Vec<Action>>,
    replays: u32,
    started: Instant,
    tested: BTreeMap<Vec<usize>, Option<Vec<usize>>>,
    finding: Option<Finding>,
}

impl Search<'_> {
    fn actions_of(&self, chosen: &[usize]) -> Vec<Action> {
        chosen
            .iter()
            .flat_map(|i| self.units[*i].iter().cloned())
            .collect()
    }

    fn budget_left(&self) -> bool {
        self.replays + 1 < self.settings.max_replays
            && self.started.elapsed() < self.settings.max_duration
    }

    /// Replays the units chosen; when the bug shows, the units up to the
    /// action at which it showed.
    async fn test(&mut self, chosen: &[usize]) -> Result<Option<Vec<usize>>, AgentError> {
        if let Some(known) = self.tested.get(chosen) {
            return Ok(known.clone());
        }
        let trace = BugTrace {
            seed: self.seed,
            actions: self.actions_of(chosen),
        };
        self.replays += 1;
        let outcome = replay(
            &mut *self.driver,
            self.sink,
            &trace,
            self.fingerprint,
            &self.settings.replay,
            self.stop,
        )
        .await?;
        let kept = outcome.at_action.map(|at| {
            let mut performed = 0;
            chosen
                .iter()
                .copied()
                .take_while(|i| {
                    let needed = performed < at;
                    performed += self.units[*i].len();
                    needed
                })
                .collect::<Vec<usize>>()
        });
        if outcome.finding.is_some() {
            self.finding = outcome.finding;
        }
        self.tested.insert(chosen.to_vec(), kept.clone());
        Ok(kept)
    }

    /// ddmin: tries subsets, then complements, at finer and finer grain.
    async fn ddmin(&mut self, mut current: Vec<usize>) -> Result<Vec<usize>, AgentError> {
        let mut granularity = 2;
        while current.len() >= 2 && self.budget_left() {
            let chunks = split(&current, granularity);
            let mut reduced = None;
            for chunk in &chunks {
                if !self.budget_left() {
                    break;
                }
                if let Some(kept) = self.test(chunk).await? {
                    reduced = Some((kept, 2));
                    break;
                }
            }
            if reduced.is_none() && granularity > 2 {
                for skip in 0..chunks.len() {
                    if !self.budget_left() {
                        break;
                    }
                    let complement: Vec<usize> = chunks
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| *i != skip)
                        .flat_map(|(_, c)| c.iter().copied())
                        .collect();
                    if let Some(kept) = self.test(&complement).await? {
                        reduced = Some((kept, (granularity - 1).max(2)));
                        break;
                    }
                }
            }
            match reduced {
                Some((kept, next)) => {
                    current = kept;
                    granularity = next;
                }
                None if granularity >= current.len() => break,
                None => granularity = (granularity * 2).min(current.len()),
            }
        }
        Ok(current)
    }
}

/// `items` in `parts` nearly equal, contiguous chunks.
fn split(items: &[usize], parts: usize) -> Vec<Vec<usize>> {
    let parts = parts.clamp(1, items.len().max(1));
    (0..parts)
        .map(|p| items[p * items.len() / parts..(p + 1) * items.len() / parts].to_vec())
        .filter(|chunk| !chunk.is_empty())
        .collect()
}

/// Shortens `trace` to the fewest actions that still show `fingerprint`.
pub async fn minimize(
    driver: &mut dyn Driver,
    sink: &dyn Sink,
    trace: &BugTrace,
    fingerprint: &str,
    settings: &MinimizeSettings,
    stop: &CancellationToken,
) -> Result<MinimizeOutcome, AgentError> {
    let units = units(&trace.actions);
    let all: Vec<usize> = (0..units.len()).collect();
    let mut search = Search {
        driver,
        sink,
        seed: trace.seed,
        fingerprint,
        settings,
        stop,
        units,
        replays: 0,
        started: Instant::now(),
        tested: BTreeMap::new(),
        finding: None,
    };
    sink.log(format!(
        "Minimising a trace of {} actions ({} units).",
        trace.actions.len(),
        all.len()
    ));
    let Some(first) = search.test(&all).await? else {
        sink.log("The original trace did not reproduce the bug; nothing to minimise.".into());
        return Ok(MinimizeOutcome {
            trace: trace.clone(),
            reproduced: false,
            shortened: false,
            replays: search.replays,
            finding: None,
        });
    };
    let smallest = search.ddmin(first).await?;
    let candidate = BugTrace {
        seed: trace.seed,
        actions: search.actions_of(&smallest),
    };
    let verified = if candidate.actions.len() < trace.actions.len() {
        search.replays += 1;
        let outcome = replay(
            &mut *search.driver,
            sink,
            &candidate,
            fingerprint,
            &settings.replay,
            stop,
        )
        .await?;
        if outcome.finding.is_some() {
            search.finding = outcome.finding;
        }
        outcome.reproduced
    } else {
        false
    };
    sink.log(if verified {
        format!(
            "Minimised to {} actions in {} replays.",
            candidate.actions.len(),
            search.replays
        )
    } else {
        format!(
            "No shorter trace reproduced reliably ({} replays).",
            search.replays
        )
    });
    Ok(MinimizeOutcome {
        trace: if verified { candidate } else { trace.clone() },
        reproduced: true,
        shortened: verified,
        replays: search.replays,
        finding: search.finding,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_key_with_its_waits_is_one_unit_and_other_waits_are_their_own() {
        let actions = vec![
            Action::Key("a".into()),
            Action::KeyDown("b".into()),
            Action::WaitMs(300),
            Action::KeyUp("b".into()),
            Action::WaitMs(100),
            Action::KeyDown("c".into()),
        ];
        let units = units(&actions);
        assert_eq!(units.len(), 4);
        assert_eq!(units[1].len(), 3);
        assert_eq!(units[2], vec![Action::WaitMs(100)]);
    }

    #[test]
    fn chunks_cover_everything_in_order() {
        let items: Vec<usize> = (0..7).collect();
        let chunks = split(&items, 3);
        assert_eq!(chunks.concat(), items);
        assert_eq!(chunks.len(), 3);
    }
}
