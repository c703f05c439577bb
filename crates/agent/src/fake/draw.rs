//! Pixels of the fake game: each screen drawn into a small RGB frame, with a
//! HUD whose clock and blinking light animate while nobody plays.

use std::time::Duration;

use super::world::{
    AGAIN_BUTTON, BOARD_X, BOARD_Y, COINS, COLUMNS, GOAL, PAUSE_BUTTON, PLAY_BUTTON, QUIT_BUTTON,
    RESUME_BUTTON, ROWS, Rect, Screen, TILE, WALLS, World,
};
use crate::driver::Frame;

pub const WIDTH: u32 = 160;
pub const HEIGHT: u32 = 120;

struct Canvas {
    rgb: Vec<u8>,
    dim: bool,
}

impl Canvas {
    fn new(background: [u8; 3]) -> Self {
        Self {
            rgb: background.repeat((WIDTH * HEIGHT) as usize),
            dim: false,
        }
    }

    fn fill(&mut self, [x, y, w, h]: Rect, colour: [u8; 3]) {
        let colour = if self.dim {
            colour.map(|c| c / 3)
        } else {
            colour
        };
        for row in y.max(0)..(y + h).min(HEIGHT as i32) {
            for column in x.max(0)..(x + w).min(WIDTH as i32) {
                let at = ((row as u32 * WIDTH + column as u32) * 3) as usize;
                self.rgb[at..at + 3].copy_from_slice(&colour);
            }
        }
    }
}

/// The screen at a given frame number; `animate` draws the HUD clock and
/// light (a game with a render loop).
pub fn draw(world: &World, frame_number: u64, animate: bool) -> Frame {
    let mut canvas = match world.screen {
        Screen::Title => title(),
        Screen::Play => board(world),
        Screen::Paused => {
            let mut canvas = board(world);
            canvas.dim = false;
            canvas.fill(RESUME_BUTTON, [80, 160, 240]);
            canvas.fill(QUIT_BUTTON, [200, 80, 80]);
            canvas
        }
        Screen::Won => {
            let mut canvas = Canvas::new([30, 120, 50]);
            canvas.fill(AGAIN_BUTTON, [240, 240, 240]);
            canvas
        }
    };
    hud(&mut canvas, world, frame_number, animate);
    Frame {
        width: WIDTH,
        height: HEIGHT,
        rgb: canvas.rgb,
        encoded: None,
    }
}

/// An all-black frame (the black-screen fault, or a crashed renderer).
pub fn black() -> Frame {
    Frame {
        width: WIDTH,
        height: HEIGHT,
        rgb: vec![0; (WIDTH * HEIGHT * 3) as usize],
        encoded: None,
    }
}

fn title() -> Canvas {
    let mut canvas = Canvas::new([20, 30, 90]);
    canvas.fill([30, 25, 100, 15], [200, 200, 240]);
    canvas.fill(PLAY_BUTTON, [40, 200, 80]);
    canvas
}

fn tile_rect((column, row): (i32, i32), inset: i32) -> Rect {
    [
        BOARD_X + column * TILE + inset,
        BOARD_Y + row * TILE + inset,
        TILE - 2 * inset,
        TILE - 2 * inset,
    ]
}

fn board(world: &World) -> Canvas {
    let mut canvas = Canvas::new([25, 25, 35]);
    canvas.dim = world.screen == Screen::Paused;
    for row in 0..ROWS {
        for column in 0..COLUMNS {
            let colour = if WALLS.contains(&(column, row)) {
                [130, 130, 130]
            } else if (column, row) == GOAL {
                [40, 180, 60]
            } else {
                [60, 60, 70]
            };
            canvas.fill(tile_rect((column, row), 1), colour);
        }
    }
    for (i, coin) in COINS.iter().enumerate() {
        if world.coins_left & (1 << i) != 0 {
            canvas.fill(tile_rect(*coin, 5), [240, 200, 0]);
        }
    }
    let player = if world.trapped {
        [220, 40, 40]
    } else {
        [240, 240, 240]
    };
    canvas.fill(tile_rect(world.player, 3), player);
    canvas.fill(PAUSE_BUTTON, [200, 200, 200]);
    canvas
}

fn hud(canvas: &mut Canvas, world: &World, frame_number: u64, animate: bool) {
    canvas.dim = false;
    canvas.fill([0, 0, WIDTH as i32, 1], [50, 50, 50]);
    if world.screen == Screen::Play {
        for coin in 0..world.score() as i32 {
            canvas.fill([30 + coin * 14, 2, 10, 8], [240, 200, 0]);
        }
    }
    if animate {
        let clock = [60, 120, 180, 240][(frame_number / 10 % 4) as usize];
        canvas.fill([138, 2, 6, 8], [clock, clock, clock]);
        if (frame_number / 20).is_multiple_of(2) {
            canvas.fill([151, 3, 4, 6], [255, 255, 255]);
        }
    }
}

/// Marks a frame as mid-animation: the top rows inverted, one more row for
/// every 10 ms the animation still takes.
pub fn half_done(frame: &mut Frame, left: Duration) {
    let rows = (1 + left.as_millis() / 10).min(u128::from(HEIGHT)) as usize;
    let bytes = rows * WIDTH as usize * 3;
    for byte in frame.rgb.iter_mut().take(bytes) {
        *byte = 255 - *byte;
    }
}
