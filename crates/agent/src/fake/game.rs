//! The fake game as a driver: time, frames, faults and DOM queries around
//! the rules of [`super::world`].

use std::collections::VecDeque;
use std::time::Duration;

use async_trait::async_trait;
use playtest_types::Action;
use tokio::time::{Instant, sleep};

use super::world::{Screen, World};
use super::{FakeConfig, Fault, Trigger, draw};
use crate::driver::{
    Affordances, ConsoleLevel, Driver, DriverError, Frame, GameEvent, Observation, Region,
    TimingProfile,
};

/// What is wrong with the current life of the game.
#[derive(Debug, Clone, Default)]
struct Afflictions {
    crashed: bool,
    crash_reported: bool,
    hung: bool,
    /// A hang that ends in a crash at this time.
    dies_at: Option<Instant>,
    frozen: Option<Frame>,
    black: bool,
    slow: bool,
}

pub struct FakeGame {
    config: FakeConfig,
    world: World,
    epoch: Instant,
    life_started: Instant,
    lives: u32,
    frames: u64,
    last_frame_ms: f64,
    intervals: VecDeque<f32>,
    events: Vec<GameEvent>,
    afflictions: Afflictions,
    progress: Vec<usize>,
    inputs: u32,
    held: Option<(String, Instant)>,
    actions_received: u64,
    /// When the animation of the last change of state ends.
    animated_until: Option<Instant>,
}

impl FakeGame {
    pub fn new(config: FakeConfig) -> Self {
        let now = Instant::now();
        let progress = vec![0; config.faults.len()];
        Self {
            config,
            world: World::new(),
            epoch: now,
            life_started: now,
            lives: 1,
            frames: 0,
            last_frame_ms: 0.0,
            intervals: VecDeque::new(),
            events: Vec::new(),
            afflictions: Afflictions::default(),
            progress,
            inputs: 0,
            held: None,
            actions_received: 0,
            animated_until: None,
        }
    }

    /// A clean game.
    pub fn clean() -> Self {
        Self::new(FakeConfig::default())
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    /// Lives so far: 1 plus the restarts.
    pub fn lives(&self) -> u32 {
        self.lives
    }

    /// Actions delivered, over all lives.
    pub fn actions_received(&self) -> u64 {
        self.actions_received
    }

    fn frame_interval_ms(&self) -> f64 {
        if self.afflictions.slow {
            100.0
        } else {
            [16.0, 16.7, 17.3][(self.frames % 3) as usize]
        }
    }

    /// Draws the frames that fell due since the last call.
    fn advance(&mut self) {
        if !self.config.render_loop
            || self.afflictions.frozen.is_some()
            || self.afflictions.crashed
            || self.afflictions.hung
        {
            return;
        }
        let now_ms = self.life_started.elapsed().as_secs_f64() * 1000.0;
        loop {
            let interval = self.frame_interval_ms();
            if self.last_frame_ms + interval > now_ms {
                break;
            }
            self.last_frame_ms += interval;
            self.frames += 1;
            self.push_interval(interval as f32);
        }
    }

    fn push_interval(&mut self, interval: f32) {
        if self.intervals.len() >= 2000 {
            self.intervals.pop_front();
        }
        self.intervals.push_back(interval);
    }

    /// Without a render loop, a change of state draws one frame.
    fn redraw(&mut self) {
        if self.config.render_loop || self.afflictions.frozen.is_some() {
            return;
        }
        let now_ms = self.life_started.elapsed().as_secs_f64() * 1000.0;
        self.push_interval((now_ms - self.last_frame_ms) as f32);
        self.last_frame_ms = now_ms;
        self.frames += 1;
    }

    fn picture(&self) -> Frame {
        if let Some(frozen) = &self.afflictions.frozen {
            return frozen.clone();
        }
        if self.afflictions.black || self.afflictions.crashed {
            return draw::black();
        }
        let mut frame = draw::draw(&self.world, self.frames, self.config.render_loop);
        let left = self
            .animated_until
            .map(|until| until.saturating_duration_since(Instant::now()));
        if let Some(left) = left.filter(|left| !left.is_zero()) {
            draw::half_done(&mut frame, left);
        }
        frame
    }

    /// `Err` once the game is gone (a hang due to end in a crash ends in it
    /// first when its time has come).
    fn alive(&mut self) -> Result<(), DriverError> {
        self.dies_if_due();
        self.gone()
    }

    fn gone(&self) -> Result<(), DriverError> {
        if self.afflictions.crashed && self.afflictions.crash_reported {
            return Err(DriverError::GameGone("the renderer crashed".into()));
        }
        Ok(())
    }

    /// Applies an input to the world, holding keys as a real one would
    /// (a key held for 300 ms or more repeats once when released).
    fn apply(&mut self, action: &Action) -> bool {
        if self.afflictions.frozen.is_some() || self.afflictions.hung {
            return false;
        }
        match action {
            Action::KeyDown(key) => self.held = Some((key.clone(), Instant::now())),
            Action::KeyUp(key) => {
                if let Some((held, since)) = self.held.take()
                    && held == *key
                    && since.elapsed() >= Duration::from_millis(300)
                {
                    return self.world.input(&Action::Key(held));
                }
            }
            _ => {}
        }
        self.world.input(action)
    }

    fn check_triggers(&mut self, action: &Action) {
        let faults = self.config.faults.clone();
        for (index, planted) in faults.iter().enumerate() {
            let fires = match &planted.trigger {
                Trigger::Action(wanted) => wanted == action,
                Trigger::Subsequence(sequence) => {
                    if sequence.get(self.progress[index]) == Some(action) {
                        self.progress[index] += 1;
                    }
                    let done = self.progress[index] == sequence.len();
                    if done {
                        self.progress[index] = 0;
                    }
                    done
                }
                Trigger::Tile(column, row) => {
                    self.world.screen == Screen::Play && self.world.player == (*column, *row)
                }
                Trigger::Inputs(n) => self.inputs == *n,
            };
            if fires {
                self.fire(&planted.fault);
            }
        }
    }

    fn fire(&mut self, fault: &Fault) {
        match fault {
            Fault::Throw { message, unhandled_rejection } => self.events.push(GameEvent::Exception {
                message: format!("Uncaught TypeError: {message} (entity {})", self.frames),
                stack: Some(format!(
                    "TypeError: {message}\n    at updateEnemy (http://127.0.0.1:8080/game.js?v={lives}:{line}:12)\n    at tick (http://127.0.0.1:8080/game.js?v={lives}:88:3)\n    at http://127.0.0.1:8080/main.js:10:5",
                    lives = self.lives,
                    line = 40 + self.frames % 7,
                )),
                unhandled_rejection: *unhandled_rejection,
            }),
            Fault::ConsoleError(text) => self.events.push(GameEvent::Console {
                level: ConsoleLevel::Error,
                text: format!("{text} (request {})", self.frames),
                source: Some(format!("http://127.0.0.1:8080/game.js?v={}:{}:1", self.lives, self.frames % 50)),
            }),
            Fault::Crash => self.crash(),
            Fault::Hang => self.afflictions.hung = true,
            Fault::HangThenCrash(after) => {
                self.afflictions.hung = true;
                self.afflictions.dies_at = Some(Instant::now() + *after);
            }
            Fault::Freeze => {
                if self.afflictions.frozen.is_none() {
                    self.afflictions.frozen = Some(self.picture());
                }
            }
            Fault::BlackScreen => self.afflictions.black = true,
            Fault::SlowFrames => self.afflictions.slow = true,
            Fault::DeadEnd => self.world.trapped = true,
        }
    }

    fn crash(&mut self) {
        self.afflictions.hung = false;
        self.afflictions.crashed = true;
        self.events.push(GameEvent::Crashed {
            reason: "the renderer process exited with signal 11".into(),
        });
    }

    /// A hang due to end in a crash ends in it once its time has come.
    fn dies_if_due(&mut self) {
        if self
            .afflictions
            .dies_at
            .is_some_and(|at| Instant::now() >= at)
        {
            self.afflictions.dies_at = None;
            self.crash();
        }
    }

    fn dom_unsupported(&self) -> Result<(), DriverError> {
        if self.config.dom {
            Ok(())
        } else {
            Err(DriverError::Unsupported("DOM queries"))
        }
    }

    async fn hang_if_hung(&self) -> Result<(), DriverError> {
        if self.afflictions.hung {
            sleep(self.config.hang_timeout).await;
            return Err(DriverError::Timeout(self.config.hang_timeout));
        }
        Ok(())
    }

    fn value_of(&self, path: &str) -> Option<serde_json::Value> {
        use serde_json::json;
        Some(match path {
            "game.score" => json!(self.world.score()),
            "game.screen" => json!(self.world.screen.name()),
            "game.player" => json!([self.world.player.0, self.world.player.1]),
            "game.coins" => json!(self.world.coins_left.count_ones()),
            "game.frames" => json!(self.frames),
            "true" => json!(true),
            "false" => json!(false),
            "null" => serde_json::Value::Null,
            literal => {
                if let Ok(number) = literal.parse::<f64>() {
                    json!(number)
                } else if let Some(text) = literal
                    .strip_prefix('\'')
                    .and_then(|l| l.strip_suffix('\''))
                {
                    json!(text)
                } else {
                    return None;
                }
            }
        })
    }
}

#[async_trait]
impl Driver for FakeGame {
    fn viewport(&self) -> (u32, u32) {
        (draw::WIDTH, draw::HEIGHT)
    }

    fn timing(&self) -> TimingProfile {
        self.config.timing.clone()
    }

    async fn act(&mut self, action: &Action) -> Result<(), DriverError> {
        self.alive()?;
        if let Action::ClickSelector(selector) = action {
            self.dom_unsupported()?;
            if self.world.element(selector).is_none() {
                return Err(DriverError::BadAction(format!(
                    "no element matches `{selector}`"
                )));
            }
        }
        if let Action::WaitMs(ms) = action {
            sleep(Duration::from_millis(*ms)).await;
        }
        self.advance();
        self.actions_received += 1;
        let effective = match action {
            Action::ClickSelector(selector) => {
                let rect = self.world.element(selector).unwrap_or([0, 0, 0, 0]);
                self.apply(&Action::Click([
                    rect[0] + rect[2] / 2,
                    rect[1] + rect[3] / 2,
                ]))
            }
            other => self.apply(other),
        };
        if effective {
            self.redraw();
            self.animated_until = self.config.animation.map(|lasts| Instant::now() + lasts);
        }
        if !matches!(action, Action::WaitMs(_)) {
            self.inputs += 1;
        }
        self.check_triggers(action);
        Ok(())
    }

    async fn observe(&mut self) -> Result<Observation, DriverError> {
        self.alive()?;
        self.hang_if_hung().await?;
        sleep(self.config.observe_delay).await;
        self.advance();
        if self.afflictions.crashed {
            self.afflictions.crash_reported = true;
        }
        let digest = self.config.dom.then(|| {
            u64::from(self.world.score()) << 8
                | self.world.screen as u64
                | (u64::from(self.world.trapped) << 16)
        });
        Ok(Observation {
            at: self.epoch.elapsed(),
            video_offset: Some(self.epoch.elapsed()),
            frame: self.picture(),
            dom_digest: digest,
            events: std::mem::take(&mut self.events),
            frames_drawn: self.frames,
            frame_intervals_ms: self.intervals.drain(..).collect(),
        })
    }

    async fn restart(&mut self) -> Result<(), DriverError> {
        sleep(Duration::from_millis(50)).await;
        self.world = World::new();
        self.life_started = Instant::now();
        self.lives += 1;
        self.frames = 0;
        self.last_frame_ms = 0.0;
        self.intervals.clear();
        self.events.clear();
        self.afflictions = Afflictions::default();
        self.progress.iter_mut().for_each(|p| *p = 0);
        self.inputs = 0;
        self.held = None;
        self.animated_until = None;
        Ok(())
    }

    async fn ping(&mut self, timeout: Duration) -> Result<Option<Duration>, DriverError> {
        self.alive()?;
        if self.afflictions.hung {
            sleep(timeout).await;
            return Ok(None);
        }
        sleep(Duration::from_millis(1)).await;
        Ok(Some(Duration::from_millis(1)))
    }

    async fn affordances(&mut self) -> Result<Affordances, DriverError> {
        self.alive()?;
        self.hang_if_hung().await?;
        let keys = [
            "ArrowUp",
            "ArrowDown",
            "ArrowLeft",
            "ArrowRight",
            "Enter",
            "Escape",
        ];
        Ok(Affordances {
            keys: keys.iter().map(|k| (*k).to_string()).collect(),
            clickable: self
                .world
                .clickable()
                .into_iter()
                .map(|[x, y, width, height]| Region {
                    x,
                    y,
                    width,
                    height,
                })
                .collect(),
            surface: None,
        })
    }

    async fn evaluate(&mut self, expression: &str) -> Result<serde_json::Value, DriverError> {
        self.alive()?;
        self.dom_unsupported()?;
        self.hang_if_hung().await?;
        let unknown =
            || DriverError::BadAction(format!("evaluating `{expression}` threw ReferenceError"));
        for operator in ["===", ">=", ">"] {
            if let Some((left, right)) = expression.split_once(operator) {
                let left = self.value_of(left.trim()).ok_or_else(unknown)?;
                let right = self.value_of(right.trim()).ok_or_else(unknown)?;
                let result = match operator {
                    "===" => match (left.as_f64(), right.as_f64()) {
                        (Some(l), Some(r)) => l == r,
                        _ => left == right,
                    },
                    ">=" => left
                        .as_f64()
                        .zip(right.as_f64())
                        .is_some_and(|(l, r)| l >= r),
                    _ => left
                        .as_f64()
                        .zip(right.as_f64())
                        .is_some_and(|(l, r)| l > r),
                };
                return Ok(serde_json::Value::Bool(result));
            }
        }
        self.value_of(expression.trim()).ok_or_else(unknown)
    }

    /// With a DOM, the score and the screen's name, as `#score` and
    /// `#screen` read; without, nothing (the pixels are for OCR).
    async fn visible_text(&mut self) -> Result<Option<String>, DriverError> {
        self.alive()?;
        if !self.config.dom {
            return Ok(None);
        }
        self.hang_if_hung().await?;
        Ok(Some(format!(
            "Score: {}\n{}",
            self.world.score(),
            self.world.screen.name()
        )))
    }

    async fn text_of(&mut self, selector: &str) -> Result<Option<String>, DriverError> {
        self.alive()?;
        self.dom_unsupported()?;
        self.hang_if_hung().await?;
        Ok(match selector {
            "#score" => Some(format!("Score: {}", self.world.score())),
            "#screen" => Some(self.world.screen.name().to_string()),
            _ => self
                .world
                .element(selector)
                .map(|_| selector.trim_start_matches('#').to_string()),
        })
    }
}
