//! Observing and settling: what the session makes of the pictures it
//! takes. It holds the driver's [`TimingProfile`] (how long to let a screen
//! settle, how to watch a game idle), the [`CellMap`] that turns pictures
//! into cells (with the idle mask it learns at each start), whether the
//! game draws in a loop, and the last picture seen (the screenshot of a
//! finding, the thumbnail a settling look is compared with).
//!
//! A second driver or a different way of looking changes this part only.

use std::collections::BTreeMap;
use std::time::Duration;

use playtest_types::Action;

use crate::cells::{CellId, CellMap, CellSettings, Thumbnail};
use crate::describe::is_input;
use crate::driver::{Frame, Observation, TimingProfile};

/// The last picture and what was measured of it.
struct LastSeen {
    frame: Frame,
    thumbnail: Thumbnail,
    frames_drawn: u64,
    video_offset: Option<Duration>,
}

/// An observation measured against the one before it.
pub(super) struct Glance {
    pub thumbnail: Thumbnail,
    /// Largest change of a block mean (255 when there is nothing to
    /// compare with).
    pub screen_change: f32,
    /// Frames drawn since the previous observation of this life.
    pub frames_advanced: Option<u64>,
    /// The first observation after a start.
    pub first_of_life: bool,
}

pub(super) struct Sight {
    timing: TimingProfile,
    cells: CellMap,
    last: Option<LastSeen>,
    /// Whether the game draws while idle, as learned at the last start.
    render_loop: Option<bool>,
    /// The screen change of the last observation.
    last_change: f32,
}

impl Sight {
    pub(super) fn new(timing: TimingProfile, cells: CellSettings) -> Self {
        Self {
            timing,
            cells: CellMap::new(cells),
            last: None,
            render_loop: None,
            last_change: 0.0,
        }
    }

    pub(super) fn timing(&self) -> &TimingProfile {
        &self.timing
    }

    /// The game starts afresh: nothing seen of this life yet.
    pub(super) fn new_life(&mut self) {
        self.last = None;
    }

    /// Measures an observation against the last one.
    pub(super) fn glance(&self, observation: &Observation) -> Glance {
        let thumbnail = self.cells.thumbnail(&observation.frame);
        let screen_change = self
            .last
            .as_ref()
            .map_or(255.0, |l| l.thumbnail.max_difference(&thumbnail));
        let frames_advanced = self
            .last
            .as_ref()
            .map(|l| observation.frames_drawn.saturating_sub(l.frames_drawn));
        Glance {
            thumbnail,
            screen_change,
            frames_advanced,
            first_of_life: self.last.is_none(),
        }
    }

    /// Keeps an observation's picture as the last one seen (its frame is
    /// taken out of it).
    pub(super) fn remember(&mut self, observation: &mut Observation, glance: Glance) {
        let frame = std::mem::replace(
            &mut observation.frame,
            Frame {
                width: 0,
                height: 0,
                rgb: Vec::new(),
                encoded: None,
            },
        );
        self.last_change = glance.screen_change;
        self.last = Some(LastSeen {
            frame,
            thumbnail: glance.thumbnail,
            frames_drawn: observation.frames_drawn,
            video_offset: observation.video_offset,
        });
    }

    /// The cell of a picture.
    pub(super) fn identify(&mut self, thumbnail: &Thumbnail, dom_digest: Option<u64>) -> CellId {
        self.cells.identify(thumbnail, dom_digest).0
    }

    pub(super) fn thumbnail(&self, frame: &Frame) -> Thumbnail {
        self.cells.thumbnail(frame)
    }

    pub(super) fn same_screen(&self, a: &Thumbnail, b: &Thumbnail) -> bool {
        self.cells.same_screen(a, b)
    }

    /// Learns from the frame counts of a start's idle observations whether
    /// the game draws in a loop: a loop draws in (nearly) every interval,
    /// a game that draws on change (a board game animating its opening
    /// tiles) only in some.
    pub(super) fn learn_render_loop(&mut self, frames_drawn: &[u64]) {
        if frames_drawn.len() >= 2 {
            let drawing = frames_drawn.windows(2).filter(|w| w[1] > w[0]).count();
            self.render_loop = Some(drawing * 4 >= (frames_drawn.len() - 1) * 3);
        }
    }

    /// Masks what moved between idle pictures; how known cells were renamed
    /// when the mask grew.
    pub(super) fn learn_idle(&mut self, idle: &[Thumbnail]) -> Option<BTreeMap<CellId, CellId>> {
        self.cells.learn_idle(idle)
    }

    pub(super) fn masked_blocks(&self) -> usize {
        self.cells.masked_blocks()
    }

    pub(super) fn render_loop(&self) -> Option<bool> {
        self.render_loop
    }

    /// The picture to compare later looks with while the game animates
    /// what `action` did: only for an input to a game that draws on change
    /// (one that draws in a loop shows the answer in its next frames).
    pub(super) fn settling_from(&self, action: Option<&Action>) -> Option<Thumbnail> {
        let animates_on_change = self.render_loop == Some(false) && action.is_some_and(is_input);
        self.last
            .as_ref()
            .filter(|_| animates_on_change)
            .map(|last| last.thumbnail.clone())
    }

    pub(super) fn last_thumbnail(&self) -> Option<&Thumbnail> {
        self.last.as_ref().map(|l| &l.thumbnail)
    }

    pub(super) fn last_frame(&self) -> Option<&Frame> {
        self.last.as_ref().map(|l| &l.frame)
    }

    pub(super) fn last_video_offset(&self) -> Option<Duration> {
        self.last.as_ref().and_then(|l| l.video_offset)
    }

    pub(super) fn last_change(&self) -> f32 {
        self.last_change
    }
}
