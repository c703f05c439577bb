//! The explorer: a seeded, model-free agent for `discovery` tests that
//! tries to see as many different screens as it can while the detectors
//! watch.
//!
//! In the current cell it first tries a move it never tried there, the most
//! promising first: a move's *prior* is how often moves with its key changed
//! the screen anywhere so far (Laplace-smoothed, so unknown moves start at
//! ½). When no untried move of the cell has a prior of at least `min_prior`
//! (the cell is exhausted: what is left are clicks on nothing), it picks by
//! count-based novelty: the mean `1/sqrt(visits + 1)` of where the move
//! led, staying put counting as nothing, with `1/sqrt(tries + 1)` as a
//! small tie-breaker (an unpromising untried move scores its prior).
//! Every score is per unit of the move's cost (its actions, and its waits
//! in the driver's act-settle-observe cycles: a held key costs several
//! presses), and the seeded generator picks among the moves scoring
//! at least `near_best` of the best, so that several keys that all work
//! are all used instead of the first one found. After `patience`
//! such moves it heads for a *frontier* cell (one with promising untried
//! moves): along the shortest known path of edges when there is one,
//! otherwise by restarting the game and replaying the actions that first
//! reached the target, checking on arrival that the cell is the expected
//! one (a target missed `target_attempts` times is given up).
//!
//! A set of cells from which no known edge leads out is a trap: the
//! explorer stays long enough for the soft-lock detector to judge it, then
//! remembers it and leaves by a restart the next times.
//!
//! Same seed and same game behaviour give the same run.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use rand::{Rng, SeedableRng, rngs::SmallRng};
use serde::Serialize;

use crate::action_space::{ActionSpace, ActionSpaceSettings};
use crate::cells::CellId;
use crate::error::AgentError;
use crate::graph::{Coverage, StateGraph, StateGraphDocument};
use crate::moves::Move;
use crate::session::{Performed, Session};
use crate::trace::FindingCount;

#[derive(Debug, Clone, PartialEq)]
pub struct ExplorerSettings {
    /// Actions (waits included) after which the run ends.
    pub max_actions: u64,
    /// Moves by novelty in an exhausted cell before heading for a frontier.
    pub patience: u32,
    /// Longest stored path worth replaying after a restart.
    pub max_path_replay: usize,
    /// Tries to reach a target before giving it up.
    pub target_attempts: u32,
    /// Untried moves whose prior is below this do not keep a cell open.
    pub min_prior: f64,
    /// Moves scoring at least this share of the best are equally good.
    pub near_best: f64,
    pub space: ActionSpaceSettings,
}

impl Default for ExplorerSettings {
    fn default() -> Self {
        Self {
            max_actions: 2000,
            patience: 6,
            max_path_replay: 300,
            target_attempts: 2,
            min_prior: 0.15,
            near_best: 0.8,
            space: ActionSpaceSettings::default(),
        }
    }
}

/// Why a run of an agent ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "reason", content = "detail")]
pub enum RunEnd {
    MaxActions,
    Deadline,
    Stopped,
    /// The game could not be (re)started.
    GameGone(String),
}

/// What an exploring (or random) run did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExplorationReport {
    pub coverage: Coverage,
    pub moves: u64,
    pub ended: RunEnd,
    pub findings: Vec<FindingCount>,
    /// `state-graph.json`.
    pub state_graph: StateGraphDocument,
}

impl ExplorationReport {
    pub fn of(session: &Session<'_>, moves: u64, ended: RunEnd) -> Self {
        Self {
            coverage: session.coverage(),
            moves,
            ended,
            findings: session.finding_counts(),
            state_graph: session.graph().document(),
        }
    }
}

/// What to make of an error that ended a loop of moves.
pub(crate) fn run_end(error: AgentError) -> Result<RunEnd, AgentError> {
    match error {
        AgentError::Stopped => Ok(RunEnd::Stopped),
        AgentError::DeadlineReached => Ok(RunEnd::Deadline),
        AgentError::GameGone(reason) => Ok(RunEnd::GameGone(reason)),
        other => Err(other),
    }
}

pub struct Explorer {
    settings: ExplorerSettings,
    rng: SmallRng,
    space: ActionSpace,
    exhausted_moves: u32,
    failed_targets: BTreeMap<CellId, u32>,
    traps: BTreeSet<CellId>,
    bad_moves: BTreeSet<String>,
    /// Per move key: (tries, tries that changed the cell), over the run.
    /// Per move key, every try outside a restart: where, and whether it
    /// changed the cell. Read by [`Explorer::prior`].
    effects: BTreeMap<String, Vec<(CellId, bool)>>,
    /// The driver's act-settle-observe cycle, the unit of a move's cost.
    cycle: Duration,
    moves: u64,
}

impl Explorer {
    /// An explorer for a session: seeded with the session's seed.
    pub fn new(settings: ExplorerSettings, session: &mut Session<'_>) -> Self {
        let seed = session.seed();
        let viewport = session.driver().viewport();
        Self {
            space: ActionSpace::new(settings.space.clone(), viewport, seed),
            rng: SmallRng::seed_from_u64(seed),
            settings,
            exhausted_moves: 0,
            failed_targets: BTreeMap::new(),
            traps: BTreeSet::new(),
            bad_moves: BTreeSet::new(),
            effects: BTreeMap::new(),
            cycle: session.timing().cycle,
            moves: 0,
        }
    }

    /// Starts the session and explores until `max_actions`, the deadline,
    /// a stop, or a game that cannot be started.
    pub async fn run(
        &mut self,
        session: &mut Session<'_>,
    ) -> Result<ExplorationReport, AgentError> {
        let ended = match self.explore(session).await {
            Ok(()) => RunEnd::MaxActions,
            Err(error) => run_end(error)?,
        };
        let coverage = session.coverage();
        session.log(format!(
            "Exploration ended ({ended:?}): {} screens, {} transitions, {} actions, {} restarts.",
            coverage.distinct_cells, coverage.transitions, coverage.actions, coverage.restarts
        ));
        Ok(ExplorationReport::of(session, self.moves, ended))
    }

    async fn explore(&mut self, session: &mut Session<'_>) -> Result<(), AgentError> {
        session.start().await?;
        while session.counters().actions < self.settings.max_actions {
            self.step(session).await?;
        }
        Ok(())
    }

    async fn step(&mut self, session: &mut Session<'_>) -> Result<(), AgentError> {
        let cell = session.cell();
        let moves: Vec<Move> = self
            .space
            .moves_in(session)
            .await
            .into_iter()
            .filter(|m| !self.bad_moves.contains(&m.key))
            .collect();
        if moves.is_empty() {
            return Err(AgentError::BadAction("no move is possible".into()));
        }
        let graph = session.graph();
        let promising: Vec<&Move> = moves
            .iter()
            .filter(|m| {
                graph.tries(cell, &m.key) == 0
                    && self.prior(graph, &m.key) >= self.settings.min_prior
            })
            .collect();
        if !promising.is_empty() {
            self.exhausted_moves = 0;
            let priors: Vec<f64> = promising
                .iter()
                .map(|m| self.untried_score(graph, &m.key) / m.cost(self.cycle))
                .collect();
            let chosen = promising[self.pick_best(&priors)].clone();
            return self.make(session, &chosen).await;
        }
        self.exhausted_moves += 1;
        if self.exhausted_moves > self.settings.patience {
            self.exhausted_moves = 0;
            if self.head_for_frontier(session).await? {
                return Ok(());
            }
        }
        let graph = session.graph();
        let scores: Vec<f64> = moves
            .iter()
            .map(|m| self.novelty(graph, cell, m) / m.cost(self.cycle))
            .collect();
        let chosen = moves[self.pick_best(&scores)].clone();
        self.make(session, &chosen).await
    }

    /// How often moves with this key changed the cell, smoothed. A failure
    /// counts as much as the cell it happened in was lively (the share of
    /// the keys tried there that changed it): on a title screen where one
    /// button of twenty works, a key that did nothing says little about
    /// that key.
    fn prior(&self, graph: &StateGraph, key: &str) -> f64 {
        let (mut tries, mut effective) = (0.0, 0.0);
        for (cell, changed) in self.effects.get(key).into_iter().flatten() {
            if *changed {
                tries += 1.0;
                effective += 1.0;
            } else {
                tries += Self::liveliness(graph, *cell);
            }
        }
        (effective + 1.0) / (tries + 2.0)
    }

    /// Among the untried moves of a cell, which to try first: moves whose
    /// key changed some cell before (arrows in a maze, a start button), and
    /// keys never tried anywhere, come before keys tried without effect,
    /// each by its prior. Without the second, the first keys found working
    /// would be the only ones ever used.
    fn untried_score(&self, graph: &StateGraph, key: &str) -> f64 {
        let worth_trying = self
            .effects
            .get(key)
            .is_none_or(|tries| tries.iter().any(|(_, changed)| *changed));
        self.prior(graph, key) + if worth_trying { 1.0 } else { 0.0 }
    }

    /// The share of the keys tried in `cell` that led out of it.
    fn liveliness(graph: &StateGraph, cell: CellId) -> f64 {
        let (mut keys, mut leaving) = (0u32, 0u32);
        for (_, destinations) in graph.edges_from(cell) {
            keys += 1;
            leaving += u32::from(destinations.keys().any(|next| *next != cell));
        }
        if keys == 0 {
            1.0
        } else {
            f64::from(leaving) / f64::from(keys)
        }
    }

    /// The mean `1/sqrt(visits + 1)` of where the move led (staying counts
    /// as nothing), plus a hundredth of `1/sqrt(tries + 1)` so that rarely
    /// tried moves win ties; an untried move scores its prior.
    fn novelty(&self, graph: &StateGraph, cell: CellId, m: &Move) -> f64 {
        let tries = graph.tries(cell, &m.key);
        if tries == 0 {
            return self.prior(graph, &m.key);
        }
        let mut weighted = 0.0;
        for (next, count) in graph.destinations(cell, &m.key).into_iter().flatten() {
            if *next != cell {
                let visits = graph.node(*next).map_or(0, |n| n.visits);
                weighted += f64::from(*count) / (f64::from(visits) + 1.0).sqrt();
            }
        }
        weighted / f64::from(tries) + 0.01 / (f64::from(tries) + 1.0).sqrt()
    }

    /// The index of one of the best scores: drawn by the seeded generator
    /// among those at least `near_best` of the highest.
    fn pick_best(&mut self, scores: &[f64]) -> usize {
        let best = scores.iter().copied().fold(f64::MIN, f64::max);
        let good_enough = best * self.settings.near_best - 1e-12;
        let near: Vec<usize> = (0..scores.len())
            .filter(|i| scores[*i] >= good_enough)
            .collect();
        near[self.rng.random_range(0..near.len())]
    }

    async fn make(&mut self, session: &mut Session<'_>, chosen: &Move) -> Result<(), AgentError> {
        let from = session.cell();
        match session.perform_move(chosen).await {
            Ok(performed) => {
                self.moves += 1;
                if !performed.restarted {
                    self.effects
                        .entry(chosen.key.clone())
                        .or_default()
                        .push((from, performed.cell != from));
                }
                self.note_traps(session, from, &performed);
                Ok(())
            }
            Err(AgentError::BadAction(reason)) => {
                session.log(format!(
                    "The move {} is not possible here: {reason}",
                    chosen.key
                ));
                self.bad_moves.insert(chosen.key.clone());
                Ok(())
            }
            Err(other) => Err(other),
        }
    }

    fn note_traps(&mut self, session: &Session<'_>, from: CellId, performed: &Performed) {
        if performed.findings.iter().any(|f| f.detector == "soft-lock") {
            self.traps.extend(session.graph().reachable(from));
        }
    }

    fn has_untried(&self, graph: &StateGraph, cell: CellId) -> bool {
        match self.space.cached(cell) {
            Some(moves) => moves.iter().any(|m| {
                !self.bad_moves.contains(&m.key)
                    && graph.tries(cell, &m.key) == 0
                    && self.prior(graph, &m.key) >= self.settings.min_prior
            }),
            None => true,
        }
    }

    fn is_target(&self, graph: &StateGraph, cell: CellId) -> bool {
        !self.traps.contains(&cell)
            && self.failed_targets.get(&cell).copied().unwrap_or(0) < self.settings.target_attempts
            && self.has_untried(graph, cell)
    }

    /// Goes towards a cell with untried moves; `false` when there is none
    /// worth going to (or the explorer waits out a trap).
    async fn head_for_frontier(&mut self, session: &mut Session<'_>) -> Result<bool, AgentError> {
        let here = session.cell();
        let path = session
            .graph()
            .path_to(here, |cell| self.is_target(session.graph(), cell));
        if let Some(path) = path {
            let target = path.last().map(|(_, cell)| *cell).unwrap_or(here);
            session.log(format!(
                "Heading for screen {target}, {} moves away.",
                path.len()
            ));
            for (step, expected) in path {
                let performed = session.perform_move(&step).await?;
                self.moves += 1;
                if performed.restarted || session.cell() != expected {
                    *self.failed_targets.entry(target).or_insert(0) += 1;
                    break;
                }
            }
            return Ok(true);
        }
        let reachable = session.graph().reachable(here);
        let detectors = &session.settings().detectors;
        let trapped =
            reachable.len() <= detectors.softlock_max_cells && !self.traps.contains(&here);
        if trapped && session.actions_since_new_cell() < detectors.softlock_actions as u64 + 10 {
            return Ok(false);
        }
        if trapped {
            self.traps.extend(reachable);
        }
        self.return_by_restart(session).await
    }

    async fn return_by_restart(&mut self, session: &mut Session<'_>) -> Result<bool, AgentError> {
        let graph = session.graph();
        let target = graph
            .cells()
            .filter(|(cell, _)| self.is_target(graph, **cell))
            .filter(|(_, node)| node.first_path.len <= self.settings.max_path_replay)
            .min_by_key(|(cell, node)| (node.first_path.len, node.visits, **cell))
            .map(|(cell, _)| *cell);
        let Some(target) = target else {
            return Ok(false);
        };
        let path = session
            .path_to(target)
            .map(<[_]>::to_vec)
            .unwrap_or_default();
        session
            .restart(&format!("the explorer goes back to screen {target}"))
            .await?;
        for action in &path {
            if session.perform(action).await?.restarted {
                break;
            }
        }
        if session.cell() != target {
            session.log(format!(
                "Replaying the way to screen {target} led to screen {} instead.",
                session.cell()
            ));
            *self.failed_targets.entry(target).or_insert(0) += 1;
        }
        Ok(true)
    }
}
