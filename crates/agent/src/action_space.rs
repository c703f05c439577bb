//! What an agent can try on a screen: the game's own affordances (keys it
//! listens for, centres of clickable regions) plus generic probes (clicks
//! on a coarse grid, at the edges and corners, held keys, and — when
//! configured — swipes and taps). Moves are computed once per cell and
//! cached, since asking the driver costs a round trip.

use std::collections::BTreeMap;

use playtest_types::Action;
use rand::{Rng, SeedableRng, rngs::SmallRng};

use crate::cells::CellId;
use crate::driver::{Affordances, Region};
use crate::moves::Move;
use crate::session::Session;

#[derive(Debug, Clone, PartialEq)]
pub struct ActionSpaceSettings {
    /// Columns and rows of the click grid over the viewport (0 for none).
    pub grid_columns: u32,
    pub grid_rows: u32,
    /// Clicks near the four corners and the middles of the four edges.
    pub edges_and_corners: bool,
    /// Each key also as a hold of 300–500 ms (drawn once per key from the seed).
    pub held_keys: bool,
    /// Swipes from the centre in four directions.
    pub drags: bool,
    /// Taps at the grid points.
    pub taps: bool,
    /// A plain wait as a move, for games that change by themselves.
    pub wait_ms: Option<u64>,
    /// Keys tried when the driver cannot tell which the game listens for.
    pub fallback_keys: Vec<String>,
}

impl Default for ActionSpaceSettings {
    fn default() -> Self {
        Self {
            grid_columns: 4,
            grid_rows: 3,
            edges_and_corners: true,
            held_keys: true,
            drags: false,
            taps: false,
            wait_ms: Some(500),
            fallback_keys: [
                "ArrowUp",
                "ArrowDown",
                "ArrowLeft",
                "ArrowRight",
                "Enter",
                " ",
                "Escape",
                "w",
                "a",
                "s",
                "d",
            ]
            .iter()
            .map(|k| (*k).to_string())
            .collect(),
        }
    }
}

/// Moves per cell, computed once from the driver's affordances.
#[derive(Debug, Clone)]
pub struct ActionSpace {
    settings: ActionSpaceSettings,
    viewport: (u32, u32),
    hold_ms: BTreeMap<String, u64>,
    rng: SmallRng,
    cache: BTreeMap<CellId, Vec<Move>>,
}

impl ActionSpace {
    pub fn new(settings: ActionSpaceSettings, viewport: (u32, u32), seed: u64) -> Self {
        Self {
            settings,
            viewport,
            hold_ms: BTreeMap::new(),
            rng: SmallRng::seed_from_u64(seed ^ 0x5eed_0fac_710a_5eed),
            cache: BTreeMap::new(),
        }
    }

    pub fn cached(&self, cell: CellId) -> Option<&[Move]> {
        self.cache.get(&cell).map(Vec::as_slice)
    }

    /// Remembers the moves of a cell, built from what the driver offers.
    pub fn learn(&mut self, cell: CellId, affordances: &Affordances) -> &[Move] {
        let moves = self.build(affordances);
        self.cache.insert(cell, moves);
        &self.cache[&cell]
    }

    /// The moves of the session's current cell: cached, or built from the
    /// driver's affordances (when the driver cannot tell, generic moves are
    /// used this once and asked for again next time).
    pub async fn moves_in(&mut self, session: &mut Session<'_>) -> Vec<Move> {
        let cell = session.cell();
        if let Some(moves) = self.cached(cell) {
            return moves.to_vec();
        }
        match session.driver().affordances().await {
            Ok(affordances) => self.learn(cell, &affordances).to_vec(),
            Err(error) => {
                tracing::debug!(%error, "no affordances");
                self.build(&Affordances::default())
            }
        }
    }

    fn hold_for(&mut self, key: &str) -> u64 {
        if let Some(ms) = self.hold_ms.get(key) {
            return *ms;
        }
        let ms = self.rng.random_range(6..=10) * 50;
        self.hold_ms.insert(key.to_string(), ms);
        ms
    }

    fn build(&mut self, affordances: &Affordances) -> Vec<Move> {
        let settings = self.settings.clone();
        let keys = if affordances.keys.is_empty() {
            &settings.fallback_keys
        } else {
            &affordances.keys
        };
        let mut moves = Vec::new();
        for key in keys {
            moves.push(Move::single(Action::Key(key.clone())));
        }
        if settings.held_keys {
            for key in keys {
                let ms = self.hold_for(key);
                moves.push(Move::hold(key, ms));
            }
        }
        for region in &affordances.clickable {
            moves.push(Move::single(Action::Click(region.center())));
        }
        let surface = affordances.surface.unwrap_or(Region {
            x: 0,
            y: 0,
            width: self.viewport.0 as i32,
            height: self.viewport.1 as i32,
        });
        let (left, top, width, height) = (surface.x, surface.y, surface.width, surface.height);
        let grid: Vec<[i32; 2]> =
            grid_points(width, height, settings.grid_columns, settings.grid_rows)
                .into_iter()
                .map(|[x, y]| [left + x, top + y])
                .collect();
        moves.extend(grid.iter().map(|point| Move::single(Action::Click(*point))));
        if settings.edges_and_corners {
            let inset = 3;
            let (right, bottom, mid_x, mid_y) = (
                left + width - 1 - inset,
                top + height - 1 - inset,
                left + width / 2,
                top + height / 2,
            );
            let (inset_x, inset_y) = (left + inset, top + inset);
            for point in [
                [inset_x, inset_y],
                [right, inset_y],
                [inset_x, bottom],
                [right, bottom],
                [mid_x, inset_y],
                [mid_x, bottom],
                [inset_x, mid_y],
                [right, mid_y],
            ] {
                moves.push(Move::single(Action::Click(point)));
            }
        }
        if settings.drags {
            let (x, y) = (left + width / 2, top + height / 2);
            let reach = (width.min(height) / 4).max(10);
            for [dx, dy] in [[0, -reach], [0, reach], [-reach, 0], [reach, 0]] {
                moves.push(Move::single(Action::Drag([[x, y], [x + dx, y + dy]])));
            }
        }
        if settings.taps {
            moves.extend(grid.iter().map(|point| Move::single(Action::Tap(*point))));
        }
        if let Some(ms) = settings.wait_ms {
            moves.push(Move::single(Action::WaitMs(ms)));
        }
        let mut seen = std::collections::BTreeSet::new();
        moves.retain(|m| seen.insert(m.key.clone()));
        moves
    }
}

/// Centres of a `columns × rows` grid over the viewport.
fn grid_points(width: i32, height: i32, columns: u32, rows: u32) -> Vec<[i32; 2]> {
    let (columns, rows) = (columns as i32, rows as i32);
    let mut points = Vec::new();
    for row in 0..rows {
        for column in 0..columns {
            points.push([
                (2 * column + 1) * width / (2 * columns),
                (2 * row + 1) * height / (2 * rows),
            ]);
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_action_space_holds_keys_regions_grid_and_edges_without_duplicates() {
        let mut space = ActionSpace::new(ActionSpaceSettings::default(), (160, 120), 1);
        let affordances = Affordances {
            keys: vec!["ArrowUp".into(), "Enter".into()],
            clickable: vec![Region {
                x: 0,
                y: 0,
                width: 40,
                height: 40,
            }],
            surface: None,
        };
        let moves = space.learn(CellId(9), &affordances).to_vec();
        // 2 keys, 2 holds, 1 region (its centre (20, 20) is also a grid point), 12 grid, 8 edges, 1 wait.
        assert_eq!(moves.len(), 2 + 2 + 12 + 8 + 1);
        assert!(
            moves
                .iter()
                .any(|m| m.actions.len() == 3 && m.actions[0] == Action::KeyDown("Enter".into()))
        );
        assert_eq!(
            space.cached(CellId(9)).map(<[Move]>::len),
            Some(moves.len())
        );
    }

    #[test]
    fn probing_clicks_reach_the_games_surface_and_its_edges_and_corners() {
        let mut space = ActionSpace::new(ActionSpaceSettings::default(), (800, 600), 1);
        let window = Region {
            x: 100,
            y: 50,
            width: 240,
            height: 300,
        };
        let affordances = Affordances {
            surface: Some(window),
            ..Affordances::default()
        };
        let clicks: Vec<[i32; 2]> = space
            .learn(CellId(1), &affordances)
            .iter()
            .filter_map(|m| match m.actions[..] {
                [Action::Click(point)] => Some(point),
                _ => None,
            })
            .collect();
        assert!(!clicks.is_empty());
        let inside = |[x, y]: [i32; 2]| (100..340).contains(&x) && (50..350).contains(&y);
        assert!(clicks.iter().all(|p| inside(*p)), "{clicks:?}");
        for corner in [[103, 53], [336, 346], [103, 346], [336, 53]] {
            assert!(clicks.contains(&corner), "{corner:?} in {clicks:?}");
        }
    }

    #[test]
    fn drags_and_taps_are_only_tried_when_configured() {
        let settings = ActionSpaceSettings {
            drags: true,
            taps: true,
            ..ActionSpaceSettings::default()
        };
        let mut space = ActionSpace::new(settings, (160, 120), 1);
        let moves = space.learn(CellId(1), &Affordances::default()).to_vec();
        assert_eq!(
            moves
                .iter()
                .filter(|m| matches!(m.actions[0], Action::Drag(_)))
                .count(),
            4
        );
        assert_eq!(
            moves
                .iter()
                .filter(|m| matches!(m.actions[0], Action::Tap(_)))
                .count(),
            12
        );
    }
}
