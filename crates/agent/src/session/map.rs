//! The graph and coverage: what the run knows of the game's screens. It
//! holds the state graph (cells and where moves led), the actions of each
//! life of the game (the paths the graph's nodes point into, and what a
//! bug's trace is cut from), every cell seen, and where the game is now.
//!
//! An agent that plans (the explorer) reads it through the session; a new
//! kind of memory of the game (say, a model's notes) is a part beside it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use playtest_types::Action;

use crate::cells::CellId;
use crate::graph::{PathRef, StateGraph};
use crate::moves::Move;
use crate::trace::append_pause;

pub(super) struct Map {
    graph: StateGraph,
    /// Per start of the game, the actions since, pauses included as waits.
    lives: Vec<Vec<Action>>,
    /// Every cell seen at any observation (the graph holds those at the
    /// ends of moves and at starts).
    seen: BTreeSet<CellId>,
    here: CellId,
    /// The last observation showed a cell never seen before in the run.
    arrived_new: bool,
    actions_since_new_cell: u64,
}

impl Map {
    pub(super) fn new() -> Self {
        Self {
            graph: StateGraph::new(),
            lives: Vec::new(),
            seen: BTreeSet::new(),
            here: CellId(0),
            arrived_new: false,
            actions_since_new_cell: 0,
        }
    }

    /// The game starts afresh: a new life with no actions yet.
    pub(super) fn new_life(&mut self) {
        self.lives.push(Vec::new());
    }

    /// The game's first screen of this life.
    pub(super) fn start_at(&mut self, cell: CellId) {
        self.here = cell;
        if self.seen.insert(cell) {
            self.actions_since_new_cell = 0;
        }
        self.graph.visit(
            cell,
            PathRef {
                life: self.lives.len() - 1,
                len: 0,
            },
        );
    }

    pub(super) fn record_action(&mut self, action: &Action) {
        if let Some(life) = self.lives.last_mut() {
            life.push(action.clone());
        }
        self.actions_since_new_cell += 1;
    }

    /// Records the agent's pause before the next action as a wait (see
    /// [`append_pause`]).
    pub(super) fn record_pause(&mut self, pause: Duration, min: Duration) {
        if let Some(life) = self.lives.last_mut() {
            append_pause(life, pause, min);
        }
    }

    /// An observation showed `cell` (`None`: none was identified); whether
    /// it is new to the run.
    pub(super) fn arrive(&mut self, cell: Option<CellId>) -> bool {
        let new_cell = cell.is_some_and(|c| self.seen.insert(c));
        if new_cell {
            self.actions_since_new_cell = 0;
        }
        if let Some(cell) = cell {
            self.here = cell;
        }
        self.arrived_new = new_cell;
        new_cell
    }

    /// Records that `step` from `from` led here; whether here is new to
    /// the graph.
    pub(super) fn record_move(&mut self, from: CellId, step: &Move) -> bool {
        self.graph.record(from, step, self.here);
        let path = PathRef {
            life: self.lives.len() - 1,
            len: self.since_restart().len(),
        };
        self.graph.visit(self.here, path)
    }

    /// Renames cells after the cell map re-identified them.
    pub(super) fn rekey(&mut self, remap: &BTreeMap<CellId, CellId>) {
        self.graph.rekey(remap);
        self.seen = self
            .seen
            .iter()
            .map(|c| remap.get(c).copied().unwrap_or(*c))
            .collect();
    }

    pub(super) fn graph(&self) -> &StateGraph {
        &self.graph
    }

    pub(super) fn here(&self) -> CellId {
        self.here
    }

    pub(super) fn arrived_new(&self) -> bool {
        self.arrived_new
    }

    pub(super) fn actions_since_new_cell(&self) -> u64 {
        self.actions_since_new_cell
    }

    /// Actions since the last start, pauses included as waits.
    pub(super) fn since_restart(&self) -> &[Action] {
        self.lives.last().map_or(&[], Vec::as_slice)
    }

    /// The actions that first reached a cell from a fresh start.
    pub(super) fn path_to(&self, cell: CellId) -> Option<&[Action]> {
        let path = self.graph.node(cell)?.first_path;
        self.lives
            .get(path.life)
            .and_then(|life| life.get(..path.len))
    }
}
