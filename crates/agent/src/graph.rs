//! The state graph: which cells a run has seen, and where each move led.
//!
//! Nodes are cells with their visit counts and the path (the actions since
//! a restart) that first reached them; edges are `(cell, move) → cell` with
//! counts. The explorer reads it to find untried moves and paths back to
//! them; detectors read it to tell a trap from a screen with a known way
//! out; serialised, it is the `state-graph.json` artifact.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use playtest_types::Action;
use serde::Serialize;

use crate::cells::CellId;
use crate::moves::Move;

/// Where a path is kept: the first `len` actions of life `life` (the
/// actions since the `life`-th start of the game).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PathRef {
    pub life: usize,
    pub len: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Node {
    pub visits: u32,
    pub first_path: PathRef,
}

/// What a run covered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    /// Cells seen at the end of a move or at a start.
    pub distinct_cells: usize,
    /// Distinct `(cell, move, cell)` transitions.
    pub transitions: usize,
    /// Actions performed (waits included).
    pub actions: u64,
    pub restarts: u32,
}

#[derive(Debug, Clone, Default)]
pub struct StateGraph {
    nodes: BTreeMap<CellId, Node>,
    /// From cell, by move key, to cell with counts.
    edges: BTreeMap<CellId, BTreeMap<String, BTreeMap<CellId, u32>>>,
    moves: BTreeMap<String, Move>,
}

impl StateGraph {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts a visit; returns whether the cell is new to the graph.
    pub fn visit(&mut self, cell: CellId, path: PathRef) -> bool {
        match self.nodes.get_mut(&cell) {
            Some(node) => {
                node.visits += 1;
                if path.len < node.first_path.len {
                    node.first_path = path;
                }
                false
            }
            None => {
                self.nodes.insert(
                    cell,
                    Node {
                        visits: 1,
                        first_path: path,
                    },
                );
                true
            }
        }
    }

    /// Counts that `step` from `from` led to `to`.
    pub fn record(&mut self, from: CellId, step: &Move, to: CellId) {
        self.moves
            .entry(step.key.clone())
            .or_insert_with(|| step.clone());
        let by_move = self.edges.entry(from).or_default();
        let destinations = match by_move.get_mut(step.key.as_str()) {
            Some(destinations) => destinations,
            None => by_move.entry(step.key.clone()).or_default(),
        };
        *destinations.entry(to).or_insert(0) += 1;
    }

    pub fn node(&self, cell: CellId) -> Option<&Node> {
        self.nodes.get(&cell)
    }

    pub fn cells(&self) -> impl Iterator<Item = (&CellId, &Node)> {
        self.nodes.iter()
    }

    pub fn cell_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn transition_count(&self) -> usize {
        self.edges
            .values()
            .flat_map(BTreeMap::values)
            .map(BTreeMap::len)
            .sum()
    }

    /// How often a move was made from a cell.
    pub fn tries(&self, cell: CellId, move_key: &str) -> u32 {
        self.destinations(cell, move_key)
            .map_or(0, |to| to.values().sum())
    }

    /// The moves made from a cell and where they led, by move key.
    pub fn edges_from(&self, cell: CellId) -> impl Iterator<Item = (&str, &BTreeMap<CellId, u32>)> {
        self.edges
            .get(&cell)
            .into_iter()
            .flatten()
            .map(|(key, to)| (key.as_str(), to))
    }

    /// Where a move from a cell led, with counts.
    pub fn destinations(&self, cell: CellId, move_key: &str) -> Option<&BTreeMap<CellId, u32>> {
        self.edges.get(&cell)?.get(move_key)
    }

    pub fn move_by_key(&self, key: &str) -> Option<&Move> {
        self.moves.get(key)
    }

    /// Where a move from a cell most often led.
    pub fn likely_destination(&self, cell: CellId, move_key: &str) -> Option<CellId> {
        let to = self.destinations(cell, move_key)?;
        to.iter()
            .max_by_key(|(id, count)| (**count, std::cmp::Reverse(**id)))
            .map(|(id, _)| *id)
    }

    /// Every cell reachable from `from` by known edges, `from` included.
    pub fn reachable(&self, from: CellId) -> BTreeSet<CellId> {
        let mut seen = BTreeSet::from([from]);
        let mut queue = VecDeque::from([from]);
        while let Some(cell) = queue.pop_front() {
            for (_, to) in self.edges_from(cell) {
                for next in to.keys() {
                    if seen.insert(*next) {
                        queue.push_back(*next);
                    }
                }
            }
        }
        seen
    }

    /// The shortest known way (by each move's most likely destination)
    /// from `from` to a cell `is_target` accepts: the moves with the cell
    /// each should reach.
    pub fn path_to(
        &self,
        from: CellId,
        is_target: impl Fn(CellId) -> bool,
    ) -> Option<Vec<(Move, CellId)>> {
        let mut came_from: BTreeMap<CellId, (CellId, String)> = BTreeMap::new();
        let mut queue = VecDeque::from([from]);
        let mut seen = BTreeSet::from([from]);
        while let Some(cell) = queue.pop_front() {
            if cell != from && is_target(cell) {
                let mut path = Vec::new();
                let mut at = cell;
                while let Some((previous, key)) = came_from.get(&at) {
                    path.push((self.moves[key].clone(), at));
                    at = *previous;
                }
                path.reverse();
                return Some(path);
            }
            for (key, _) in self.edges_from(cell) {
                if let Some(next) = self.likely_destination(cell, key)
                    && seen.insert(next)
                {
                    came_from.insert(next, (cell, key.to_string()));
                    queue.push_back(next);
                }
            }
        }
        None
    }

    /// Renames cells after the cell map re-identified them, merging cells
    /// that became one.
    pub fn rekey(&mut self, remap: &BTreeMap<CellId, CellId>) {
        let rename = |cell: CellId| remap.get(&cell).copied().unwrap_or(cell);
        let mut nodes: BTreeMap<CellId, Node> = BTreeMap::new();
        for (cell, node) in std::mem::take(&mut self.nodes) {
            match nodes.get_mut(&rename(cell)) {
                Some(existing) => {
                    existing.visits += node.visits;
                    if node.first_path.len < existing.first_path.len {
                        existing.first_path = node.first_path;
                    }
                }
                None => {
                    nodes.insert(rename(cell), node);
                }
            }
        }
        self.nodes = nodes;
        let mut edges: BTreeMap<CellId, BTreeMap<String, BTreeMap<CellId, u32>>> = BTreeMap::new();
        for (from, by_move) in std::mem::take(&mut self.edges) {
            for (key, to) in by_move {
                let merged = edges
                    .entry(rename(from))
                    .or_default()
                    .entry(key)
                    .or_default();
                for (cell, count) in to {
                    *merged.entry(rename(cell)).or_insert(0) += count;
                }
            }
        }
        self.edges = edges;
    }

    /// The graph as the `state-graph.json` artifact.
    pub fn document(&self) -> StateGraphDocument {
        StateGraphDocument {
            nodes: self
                .nodes
                .iter()
                .map(|(cell, node)| GraphNode {
                    cell: *cell,
                    visits: node.visits,
                    first_path_len: node.first_path.len,
                })
                .collect(),
            edges: self
                .edges
                .iter()
                .flat_map(|(from, by_move)| by_move.iter().map(move |(key, to)| (from, key, to)))
                .flat_map(|(from, key, to)| {
                    to.iter().map(move |(cell, count)| GraphEdge {
                        from: *from,
                        action: key.clone(),
                        actions: self
                            .moves
                            .get(key)
                            .map(|m| m.actions.clone())
                            .unwrap_or_default(),
                        to: *cell,
                        count: *count,
                    })
                })
                .collect(),
        }
    }
}

/// `state-graph.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StateGraphDocument {
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphNode {
    pub cell: CellId,
    pub visits: u32,
    /// Actions from a fresh start to the first arrival.
    pub first_path_len: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphEdge {
    pub from: CellId,
    /// The move's key (`key:ArrowUp`, `keydown:a+wait:400+keyup:a`).
    pub action: String,
    pub actions: Vec<Action>,
    pub to: CellId,
    pub count: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(key: &str) -> Move {
        Move::single(Action::Key(key.into()))
    }

    #[test]
    fn the_shortest_known_path_follows_likely_edges() {
        let mut graph = StateGraph::new();
        let (a, b, c, d) = (CellId(1), CellId(2), CellId(3), CellId(4));
        graph.record(a, &press("x"), b);
        graph.record(b, &press("y"), c);
        graph.record(a, &press("z"), d);
        graph.record(d, &press("y"), c);
        graph.record(c, &press("w"), a);
        let path = graph.path_to(a, |cell| cell == c).expect("a path");
        assert_eq!(path.len(), 2);
        assert_eq!(path[1].1, c);
        assert_eq!(graph.reachable(b), BTreeSet::from([a, b, c, d]));
        assert_eq!(graph.tries(a, "key:x"), 1);
        assert_eq!(graph.transition_count(), 5);
    }

    #[test]
    fn rekeying_merges_cells_and_their_edges() {
        let mut graph = StateGraph::new();
        let (a, b, c) = (CellId(1), CellId(2), CellId(3));
        graph.visit(a, PathRef { life: 0, len: 0 });
        graph.visit(b, PathRef { life: 0, len: 1 });
        graph.visit(c, PathRef { life: 0, len: 2 });
        graph.record(a, &press("x"), b);
        graph.record(a, &press("x"), c);
        graph.rekey(&BTreeMap::from([(c, b)]));
        assert_eq!(graph.cell_count(), 2);
        assert_eq!(graph.node(b).map(|n| n.visits), Some(2));
        assert_eq!(graph.edges_from(a).next().map(|(_, to)| to[&b]), Some(2));
    }
}
