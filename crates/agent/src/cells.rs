//! Cells: frames reduced to a coarse identity of "which screen is this".
//!
//! A frame is shrunk to a small greyscale grid of block means (32×32 by
//! default), and each block's mean is quantised to a few levels (6 by
//! default). The grid is fine enough that a game piece one tile across
//! (a player in a maze, a tile on a sliding-tile board) moves several
//! blocks; a coarser one merged most boards of a real game into a handful
//! of cells. Blocks that change while nobody touches the game (a clock, a
//! blinking cursor, an idle animation) are learned from a few idle frames
//! at the start and after each restart and *masked*: they take no part in
//! a cell's identity. Two signatures are compared by their Hamming distance
//! over the unmasked blocks (how many blocks have a different level); a new
//! signature within `tolerance` blocks of a known cell *is* that cell, which
//! absorbs compression noise that tips one block over a level boundary. The
//! default tolerance is 0: a driver's pictures of the same screen are the
//! same pixels (a browser encodes the same pixels to the same bytes), and
//! with a tolerance a chain of one-block changes (a piece walking across a
//! board) collapses into one cell.
//! A board that changed (a piece moved, a menu opened) changes several
//! blocks by whole levels and so becomes a new cell.
//!
//! `Observation::dom_digest` can be mixed in (`use_dom_digest`): two screens
//! that look alike but differ in their document (a score digit too small to
//! move a block) become different cells; the price is that a document that
//! changes by itself (a timer written as text) makes every observation a new
//! cell, so it is off by default.
//!
//! When the idle mask grows after a restart, known cells are re-identified
//! under the new mask and [`CellMap::learn_idle`] returns how old ids map to
//! new ones, so the state graph can merge them.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Serialize, Serializer};
use xxhash_rust::xxh3::Xxh3;

use crate::driver::Frame;

/// How frames become cells.
#[derive(Debug, Clone, PartialEq)]
pub struct CellSettings {
    /// Blocks across.
    pub grid_width: u32,
    /// Blocks down.
    pub grid_height: u32,
    /// Grey levels a block's mean is quantised to.
    pub levels: u8,
    /// Blocks that may differ, by level, from a known cell and still be it.
    pub tolerance: u32,
    /// A block whose mean moves by more than this (0–255 grey) between
    /// idle frames is masked, even when its level did not change.
    pub idle_threshold: f32,
    /// Mix `Observation::dom_digest` into a cell's identity.
    pub use_dom_digest: bool,
}

impl Default for CellSettings {
    fn default() -> Self {
        Self {
            grid_width: 32,
            grid_height: 32,
            levels: 6,
            tolerance: 0,
            idle_threshold: 4.0,
            use_dom_digest: false,
        }
    }
}

/// The identity of a screen state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellId(pub u64);

impl fmt::Display for CellId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl Serialize for CellId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A frame shrunk to greyscale block means.
#[derive(Debug, Clone, PartialEq)]
pub struct Thumbnail {
    pub grid_width: u32,
    pub grid_height: u32,
    /// Row-major, 0–255.
    pub means: Vec<f32>,
}

impl Thumbnail {
    /// Block means of the frame's luma on a `grid_width × grid_height` grid.
    pub fn of(frame: &Frame, grid_width: u32, grid_height: u32) -> Self {
        let (width, height) = (frame.width.max(1) as usize, frame.height.max(1) as usize);
        let (gw, gh) = (grid_width.max(1) as usize, grid_height.max(1) as usize);
        let mut sums = vec![0u64; gw * gh];
        let mut counts = vec![0u32; gw * gh];
        let column_block: Vec<usize> = (0..width).map(|x| x * gw / width).collect();
        let rows = frame.rgb.chunks_exact(width * 3).take(height);
        for (y, row) in rows.enumerate() {
            let row_start = (y * gh / height) * gw;
            for (pixel, block) in row.chunks_exact(3).zip(&column_block) {
                let luma = (77 * u32::from(pixel[0])
                    + 150 * u32::from(pixel[1])
                    + 29 * u32::from(pixel[2]))
                    >> 8;
                sums[row_start + block] += u64::from(luma);
                counts[row_start + block] += 1;
            }
        }
        let means = sums
            .iter()
            .zip(&counts)
            .map(|(sum, count)| {
                if *count == 0 {
                    0.0
                } else {
                    *sum as f32 / *count as f32
                }
            })
            .collect();
        Self {
            grid_width: gw as u32,
            grid_height: gh as u32,
            means,
        }
    }

    /// The largest change of one block's mean between two thumbnails: 0
    /// for identical frames, well below 1 for compression noise.
    pub fn max_difference(&self, other: &Thumbnail) -> f32 {
        if self.means.len() != other.means.len() {
            return 255.0;
        }
        self.means
            .iter()
            .zip(&other.means)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max)
    }
}

/// Levels packed 8 a word (the last word padded with zeros).
fn pack(levels: &[u8]) -> Vec<u64> {
    levels
        .chunks(8)
        .map(|chunk| {
            chunk
                .iter()
                .enumerate()
                .fold(0u64, |word, (i, level)| word | u64::from(*level) << (8 * i))
        })
        .collect()
}

fn pack_mask(mask: &[bool]) -> Vec<u64> {
    let bytes: Vec<u8> = mask
        .iter()
        .map(|masked| if *masked { 0 } else { 0xFF })
        .collect();
    pack(&bytes)
}

/// A thumbnail's quantised levels, plus the document digest when used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub levels: Vec<u8>,
    pub dom: Option<u64>,
}

/// Turns thumbnails into cell ids, learning which blocks to ignore.
#[derive(Debug, Clone)]
pub struct CellMap {
    settings: CellSettings,
    mask: Vec<bool>,
    /// 0xFF for every unmasked block, 8 blocks a word.
    mask_words: Vec<u64>,
    known: Vec<(Signature, CellId)>,
    /// The levels of each known cell packed 8 blocks a word.
    known_words: Vec<Vec<u64>>,
    /// Cells already resolved, by the hash of a signature under the mask.
    resolved: HashMap<CellId, CellId>,
}

impl CellMap {
    pub fn new(settings: CellSettings) -> Self {
        let blocks = (settings.grid_width.max(1) * settings.grid_height.max(1)) as usize;
        let mask = vec![false; blocks];
        Self {
            mask_words: pack_mask(&mask),
            mask,
            settings,
            known: Vec::new(),
            known_words: Vec::new(),
            resolved: HashMap::new(),
        }
    }

    pub fn settings(&self) -> &CellSettings {
        &self.settings
    }

    pub fn thumbnail(&self, frame: &Frame) -> Thumbnail {
        Thumbnail::of(frame, self.settings.grid_width, self.settings.grid_height)
    }

    pub fn signature(&self, thumbnail: &Thumbnail, dom_digest: Option<u64>) -> Signature {
        let levels = u32::from(self.settings.levels.max(2));
        Signature {
            levels: thumbnail
                .means
                .iter()
                .map(|mean| ((*mean as u32 * levels) / 256).min(levels - 1) as u8)
                .collect(),
            dom: dom_digest.filter(|_| self.settings.use_dom_digest),
        }
    }

    /// Blocks currently ignored.
    pub fn masked_blocks(&self) -> usize {
        self.mask.iter().filter(|m| **m).count()
    }

    /// Blocks (unmasked) whose level differs; unrelated documents are
    /// infinitely far apart.
    pub fn distance(&self, a: &Signature, b: &Signature) -> u32 {
        if a.dom != b.dom || a.levels.len() != b.levels.len() {
            return u32::MAX;
        }
        a.levels
            .iter()
            .zip(&b.levels)
            .zip(&self.mask)
            .filter(|((x, y), masked)| !**masked && x != y)
            .count() as u32
    }

    /// Whether two thumbnails would be the same cell (DOM aside).
    pub fn same_screen(&self, a: &Thumbnail, b: &Thumbnail) -> bool {
        let (a, b) = (self.signature(a, None), self.signature(b, None));
        self.distance(&a, &b) <= self.settings.tolerance
    }

    /// Masks every block that changed between these idle frames. Returns
    /// how known cell ids map to their new ids when the mask grew.
    pub fn learn_idle(&mut self, idle: &[Thumbnail]) -> Option<BTreeMap<CellId, CellId>> {
        let signatures: Vec<Signature> = idle.iter().map(|t| self.signature(t, None)).collect();
        let mut grew = false;
        for block in 0..self.mask.len() {
            if self.mask[block] {
                continue;
            }
            let means = idle.iter().filter_map(|t| t.means.get(block).copied());
            let (low, high) =
                means.fold((f32::MAX, f32::MIN), |(lo, hi), m| (lo.min(m), hi.max(m)));
            let spread = high - low;
            let level_changed = signatures
                .windows(2)
                .any(|pair| pair[0].levels.get(block) != pair[1].levels.get(block));
            if level_changed || spread > self.settings.idle_threshold {
                self.mask[block] = true;
                grew = true;
            }
        }
        if !grew {
            return None;
        }
        self.mask_words = pack_mask(&self.mask);
        self.resolved.clear();
        if self.known.is_empty() {
            return None;
        }
        let mut remap = BTreeMap::new();
        let mut merged: Vec<(Signature, CellId)> = Vec::new();
        for (signature, old) in std::mem::take(&mut self.known) {
            let new = self.id_of(&signature);
            remap.insert(old, new);
            if !merged.iter().any(|(_, id)| *id == new) {
                merged.push((signature, new));
            }
        }
        self.known_words = merged
            .iter()
            .map(|(signature, _)| pack(&signature.levels))
            .collect();
        self.known = merged;
        Some(remap)
    }

    /// The cell of a thumbnail: a known cell within `tolerance`, else a new
    /// one. Returns whether it is new to this map.
    pub fn identify(&mut self, thumbnail: &Thumbnail, dom_digest: Option<u64>) -> (CellId, bool) {
        let signature = self.signature(thumbnail, dom_digest);
        let exact = self.id_of(&signature);
        if let Some(id) = self.resolved.get(&exact) {
            return (*id, false);
        }
        let words = pack(&signature.levels);
        let nearest = self
            .known
            .iter()
            .zip(&self.known_words)
            .filter(|((known, _), _)| known.dom == signature.dom)
            .map(|((_, id), known_words)| (self.packed_distance(known_words, &words), *id))
            .filter(|(distance, _)| *distance <= self.settings.tolerance)
            .min_by_key(|(distance, _)| *distance);
        let (id, new) = match nearest {
            Some((_, id)) => (id, false),
            None => {
                self.known.push((signature, exact));
                self.known_words.push(words);
                (exact, true)
            }
        };
        self.resolved.insert(exact, id);
        (id, new)
    }

    /// Unmasked blocks whose level differs, on packed levels.
    fn packed_distance(&self, a: &[u64], b: &[u64]) -> u32 {
        const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        a.iter()
            .zip(b)
            .zip(&self.mask_words)
            .map(|((x, y), mask)| {
                let differing = (x ^ y) & mask;
                // The high bit of each byte is set when the byte is not zero.
                (((differing & LOW7) + LOW7) | differing) & !LOW7
            })
            .map(u64::count_ones)
            .sum()
    }

    fn id_of(&self, signature: &Signature) -> CellId {
        // Masked blocks hash as 0xFF, a level no block has.
        let mut hasher = Xxh3::new();
        for (level, masked) in signature.levels.iter().zip(&self.mask) {
            hasher.update(&[if *masked { u8::MAX } else { *level }]);
        }
        if let Some(dom) = signature.dom {
            hasher.update(&dom.to_le_bytes());
        }
        CellId(hasher.digest())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: u32 = 160;
    const H: u32 = 120;

    fn canvas(background: [u8; 3]) -> Frame {
        Frame {
            width: W,
            height: H,
            rgb: background.repeat((W * H) as usize),
            encoded: None,
        }
    }

    fn fill(frame: &mut Frame, x: u32, y: u32, w: u32, h: u32, colour: [u8; 3]) {
        for row in y..(y + h).min(frame.height) {
            for column in x..(x + w).min(frame.width) {
                let at = ((row * frame.width + column) * 3) as usize;
                frame.rgb[at..at + 3].copy_from_slice(&colour);
            }
        }
    }

    /// A board: a dark floor, a bright piece at a tile, a cursor that may blink.
    fn board(piece_tile: u32, cursor_on: bool) -> Frame {
        let mut frame = canvas([30, 30, 60]);
        fill(&mut frame, 20 + piece_tile * 20, 40, 16, 16, [240, 220, 40]);
        if cursor_on {
            fill(&mut frame, 150, 2, 4, 4, [255, 255, 255]);
        }
        frame
    }

    /// Deterministic per-pixel noise of up to ±amplitude, like a lossy codec.
    fn noisy(frame: &Frame, amplitude: i32, seed: u32) -> Frame {
        let mut out = frame.clone();
        let mut state = seed.wrapping_mul(2_654_435_761).max(1);
        for byte in out.rgb.iter_mut() {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let delta = (state % (2 * amplitude as u32 + 1)) as i32 - amplitude;
            *byte = (i32::from(*byte) + delta).clamp(0, 255) as u8;
        }
        out
    }

    fn learned_map() -> CellMap {
        let mut map = CellMap::new(CellSettings::default());
        let idle: Vec<Thumbnail> = [true, false, true, false]
            .iter()
            .map(|on| map.thumbnail(&board(0, *on)))
            .collect();
        map.learn_idle(&idle);
        map
    }

    #[test]
    fn a_blinking_cursor_in_a_masked_block_stays_the_same_cell() {
        let mut map = learned_map();
        assert!(map.masked_blocks() >= 1 && map.masked_blocks() <= 2);
        let (on, new) = map.identify(&map.thumbnail(&board(2, true)), None);
        assert!(new);
        let (off, new) = map.identify(&map.thumbnail(&board(2, false)), None);
        assert!(!new);
        assert_eq!(on, off);
    }

    #[test]
    fn compression_noise_stays_the_same_cell() {
        let mut map = learned_map();
        let (clean, _) = map.identify(&map.thumbnail(&board(1, false)), None);
        for seed in 1..20 {
            let (noisy_cell, _) =
                map.identify(&map.thumbnail(&noisy(&board(1, false), 6, seed)), None);
            assert_eq!(noisy_cell, clean, "noise seed {seed}");
        }
    }

    #[test]
    fn a_changed_board_is_a_new_cell() {
        let mut map = learned_map();
        let cells: Vec<CellId> = (0..5)
            .map(|tile| map.identify(&map.thumbnail(&board(tile, false)), None).0)
            .collect();
        for (i, a) in cells.iter().enumerate() {
            for b in &cells[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn the_hamming_distance_counts_differing_unmasked_blocks() {
        let map = learned_map();
        let a = map.signature(&map.thumbnail(&board(0, false)), None);
        let b = map.signature(&map.thumbnail(&board(0, true)), None);
        let c = map.signature(&map.thumbnail(&board(3, false)), None);
        assert_eq!(map.distance(&a, &a), 0);
        assert_eq!(map.distance(&a, &b), 0, "the cursor block is masked");
        assert!(map.distance(&a, &c) >= 4);
    }

    #[test]
    fn the_dom_digest_splits_look_alike_screens_only_when_asked() {
        let frame = board(0, false);
        let mut without = CellMap::new(CellSettings::default());
        let (a, _) = without.identify(&without.thumbnail(&frame), Some(1));
        let (b, _) = without.identify(&without.thumbnail(&frame), Some(2));
        assert_eq!(a, b);
        let mut with = CellMap::new(CellSettings {
            use_dom_digest: true,
            ..CellSettings::default()
        });
        let (a, _) = with.identify(&with.thumbnail(&frame), Some(1));
        let (b, _) = with.identify(&with.thumbnail(&frame), Some(2));
        assert_ne!(a, b);
    }

    #[test]
    fn a_grown_mask_maps_old_cells_to_merged_new_ones() {
        let mut map = CellMap::new(CellSettings::default());
        let (on, _) = map.identify(&map.thumbnail(&board(0, true)), None);
        let (off, _) = map.identify(&map.thumbnail(&board(0, false)), None);
        let idle = [
            map.thumbnail(&board(0, true)),
            map.thumbnail(&board(0, false)),
        ];
        let remap = map.learn_idle(&idle).expect("the mask grew");
        assert_eq!(remap[&on], remap[&off]);
        assert_eq!(
            map.identify(&map.thumbnail(&board(0, true)), None),
            (remap[&on], false)
        );
    }

    #[test]
    fn identical_frames_have_no_difference_and_noise_little() {
        let map = learned_map();
        let a = map.thumbnail(&board(1, false));
        assert_eq!(a.max_difference(&map.thumbnail(&board(1, false))), 0.0);
        assert!(a.max_difference(&map.thumbnail(&noisy(&board(1, false), 6, 3))) < 4.0);
        assert!(a.max_difference(&map.thumbnail(&board(2, false))) > 50.0);
    }
}
