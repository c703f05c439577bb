//! The rules of the fake game, without time or pixels: a title menu, a
//! small board with walls, coins and a goal, a pause menu and a win screen.

use playtest_types::Action;

pub const COLUMNS: i32 = 6;
pub const ROWS: i32 = 4;
pub const TILE: i32 = 20;
pub const BOARD_X: i32 = 20;
pub const BOARD_Y: i32 = 32;
pub const WALLS: [(i32, i32); 3] = [(2, 1), (2, 2), (4, 2)];
pub const COINS: [(i32, i32); 3] = [(1, 3), (3, 0), (5, 3)];
pub const GOAL: (i32, i32) = (5, 0);

/// A clickable rectangle `[x, y, w, h]`.
pub type Rect = [i32; 4];
pub const PLAY_BUTTON: Rect = [50, 70, 60, 20];
pub const PAUSE_BUTTON: Rect = [4, 2, 10, 8];
pub const RESUME_BUTTON: Rect = [40, 50, 80, 18];
pub const QUIT_BUTTON: Rect = [40, 75, 80, 18];
pub const AGAIN_BUTTON: Rect = [45, 70, 70, 20];
pub const BOARD: Rect = [BOARD_X, BOARD_Y, COLUMNS * TILE, ROWS * TILE];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Title,
    Play,
    Paused,
    Won,
}

impl Screen {
    pub fn name(self) -> &'static str {
        match self {
            Screen::Title => "title",
            Screen::Play => "play",
            Screen::Paused => "paused",
            Screen::Won => "won",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct World {
    pub screen: Screen,
    pub player: (i32, i32),
    /// Bit i set: coin i still lies on the board.
    pub coins_left: u8,
    /// Every input is ignored (the dead-end fault).
    pub trapped: bool,
}

pub fn inside(rect: Rect, [x, y]: [i32; 2]) -> bool {
    x >= rect[0] && x < rect[0] + rect[2] && y >= rect[1] && y < rect[1] + rect[3]
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

impl World {
    pub fn new() -> Self {
        Self {
            screen: Screen::Title,
            player: (0, 0),
            coins_left: 0b111,
            trapped: false,
        }
    }

    pub fn score(&self) -> u32 {
        COINS.len() as u32 - self.coins_left.count_ones()
    }

    /// Buttons and areas that react to a click on the current screen.
    pub fn clickable(&self) -> Vec<Rect> {
        match self.screen {
            Screen::Title => vec![PLAY_BUTTON],
            Screen::Play => vec![PAUSE_BUTTON, BOARD],
            Screen::Paused => vec![RESUME_BUTTON, QUIT_BUTTON],
            Screen::Won => vec![AGAIN_BUTTON],
        }
    }

    /// The button a selector names on this screen.
    pub fn element(&self, selector: &str) -> Option<Rect> {
        match (self.screen, selector) {
            (Screen::Title, "#play") => Some(PLAY_BUTTON),
            (Screen::Play, "#pause") => Some(PAUSE_BUTTON),
            (Screen::Paused, "#resume") => Some(RESUME_BUTTON),
            (Screen::Paused, "#quit") => Some(QUIT_BUTTON),
            (Screen::Won, "#again") => Some(AGAIN_BUTTON),
            _ => None,
        }
    }

    /// Applies one input; returns whether anything changed.
    pub fn input(&mut self, action: &Action) -> bool {
        if self.trapped {
            return false;
        }
        let before = self.clone();
        match action {
            Action::Key(key) | Action::KeyDown(key) => self.press(key),
            Action::Click(point) | Action::Tap(point) => self.click(*point),
            Action::Drag([from, to]) => self.swipe(*from, *to),
            Action::Type(text) => text.chars().for_each(|c| self.press(&c.to_string())),
            Action::KeyUp(_) | Action::ClickSelector(_) | Action::WaitMs(_) => {}
        }
        *self != before
    }

    pub fn press(&mut self, key: &str) {
        match (self.screen, key) {
            (Screen::Title, "Enter" | " ") => self.start(),
            (Screen::Play, "ArrowUp" | "w") => self.step(0, -1),
            (Screen::Play, "ArrowDown" | "s") => self.step(0, 1),
            (Screen::Play, "ArrowLeft" | "a") => self.step(-1, 0),
            (Screen::Play, "ArrowRight" | "d") => self.step(1, 0),
            (Screen::Play, "Escape") => self.screen = Screen::Paused,
            (Screen::Paused, "Escape") => self.screen = Screen::Play,
            (Screen::Won, "Enter") => *self = World::new(),
            _ => {}
        }
    }

    fn click(&mut self, point: [i32; 2]) {
        match self.screen {
            Screen::Title if inside(PLAY_BUTTON, point) => self.start(),
            Screen::Play if inside(PAUSE_BUTTON, point) => self.screen = Screen::Paused,
            Screen::Play if inside(BOARD, point) => {
                let tile = ((point[0] - BOARD_X) / TILE, (point[1] - BOARD_Y) / TILE);
                let (dx, dy) = (tile.0 - self.player.0, tile.1 - self.player.1);
                if dx.abs() + dy.abs() == 1 {
                    self.step(dx, dy);
                }
            }
            Screen::Paused if inside(RESUME_BUTTON, point) => self.screen = Screen::Play,
            Screen::Paused if inside(QUIT_BUTTON, point) => *self = World::new(),
            Screen::Won if inside(AGAIN_BUTTON, point) => *self = World::new(),
            _ => {}
        }
    }

    fn swipe(&mut self, from: [i32; 2], to: [i32; 2]) {
        let (dx, dy) = (to[0] - from[0], to[1] - from[1]);
        if self.screen != Screen::Play || dx.abs().max(dy.abs()) < 20 {
            return;
        }
        if dx.abs() > dy.abs() {
            self.step(dx.signum(), 0);
        } else {
            self.step(0, dy.signum());
        }
    }

    fn start(&mut self) {
        *self = World {
            screen: Screen::Play,
            ..World::new()
        };
    }

    fn step(&mut self, dx: i32, dy: i32) {
        let next = (self.player.0 + dx, self.player.1 + dy);
        let outside = next.0 < 0 || next.1 < 0 || next.0 >= COLUMNS || next.1 >= ROWS;
        if outside || WALLS.contains(&next) {
            return;
        }
        self.player = next;
        if let Some(coin) = COINS.iter().position(|c| *c == next) {
            self.coins_left &= !(1 << coin);
        }
        if next == GOAL && self.coins_left == 0 {
            self.screen = Screen::Won;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(world: &mut World, keys: &[&str]) {
        for key in keys {
            world.input(&Action::Key((*key).to_string()));
        }
    }

    #[test]
    fn collecting_every_coin_and_reaching_the_goal_wins() {
        let mut world = World::new();
        press(
            &mut world,
            &["Enter", "ArrowDown", "ArrowDown", "ArrowDown", "ArrowRight"],
        );
        assert_eq!(world.score(), 1);
        press(
            &mut world,
            &["ArrowUp", "ArrowUp", "ArrowUp", "ArrowRight", "ArrowRight"],
        );
        assert_eq!(world.score(), 2);
        press(
            &mut world,
            &[
                "ArrowDown",
                "ArrowDown",
                "ArrowDown",
                "ArrowRight",
                "ArrowRight",
            ],
        );
        assert_eq!(world.score(), 3);
        press(&mut world, &["ArrowUp", "ArrowUp", "ArrowUp"]);
        assert_eq!(world.screen, Screen::Won);
        assert!(world.input(&Action::Click([50, 75])));
        assert_eq!(world.screen, Screen::Title);
    }

    #[test]
    fn walls_and_edges_stop_the_player() {
        let mut world = World::new();
        press(&mut world, &["Enter"]);
        assert!(!world.input(&Action::Key("ArrowLeft".into())));
        press(&mut world, &["ArrowRight", "ArrowDown"]);
        assert!(
            !world.input(&Action::Key("ArrowRight".into())),
            "a wall at (2, 1)"
        );
    }
}
