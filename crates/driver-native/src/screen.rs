//! The driver's own connection to the game's display: pictures of the
//! screen (`GetImage` of the root window), the game's top-level window
//! (found, mapped, raised and focused, as a minimal window manager would,
//! since some toolkits take no keys until focused), and inputs injected
//! through XTEST as if from a keyboard and mouse.

use std::collections::HashMap;

use playtest_agent::{Frame, Region};
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    self, ConfigureWindowAux, ConnectionExt as _, ImageFormat, InputFocus, MapState, StackMode,
    Window, WindowClass,
};
use x11rb::protocol::xtest::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

use crate::NativeDriverError;
use crate::keys::is_modifier;

/// The keysym of the left Shift key.
const SHIFT: u32 = 0xffe1;

/// A pointer button: 1 left, 2 middle, 3 right.
pub(crate) type Button = u8;

/// A connection to the display, for requests (events have their own, see
/// `watch`).
#[derive(Debug)]
pub(crate) struct Screen {
    conn: RustConnection,
    root: Window,
    width: u16,
    height: u16,
    /// Where each keysym is: its keycode and whether it needs Shift.
    keys: HashMap<u32, (u8, bool)>,
    /// Keycodes with no symbol, lent to keysyms the map lacks.
    spare_keycodes: Vec<u8>,
    focused: Option<Window>,
}

impl Screen {
    pub(crate) fn connect(display: &str) -> Result<Screen, NativeDriverError> {
        let (conn, screen_number) = x11rb::connect(Some(display)).map_err(|err| {
            NativeDriverError::X11(format!("could not connect to {display}: {err}"))
        })?;
        let screen = &conn.setup().roots[screen_number];
        let (root, width, height) = (screen.root, screen.width_in_pixels, screen.height_in_pixels);
        conn.xtest_get_version(2, 2)?
            .reply()
            .map_err(|err| NativeDriverError::X11(format!("the display has no XTEST: {err}")))?;
        let mut screen = Screen {
            conn,
            root,
            width,
            height,
            keys: HashMap::new(),
            spare_keycodes: Vec::new(),
            focused: None,
        };
        screen.read_keyboard_map()?;
        Ok(screen)
    }

    fn read_keyboard_map(&mut self) -> Result<(), NativeDriverError> {
        let setup = self.conn.setup();
        let (min, max) = (setup.min_keycode, setup.max_keycode);
        let map = self
            .conn
            .get_keyboard_mapping(min, max - min + 1)?
            .reply()?;
        let per = usize::from(map.keysyms_per_keycode.max(1));
        for (index, syms) in map.keysyms.chunks(per).enumerate() {
            let keycode = min + index as u8;
            if syms.iter().all(|&sym| sym == 0) {
                self.spare_keycodes.push(keycode);
                continue;
            }
            for (level, &sym) in syms.iter().take(2).enumerate() {
                if sym != 0 {
                    self.keys.entry(sym).or_insert((keycode, level == 1));
                }
            }
        }
        Ok(())
    }

    /// The whole screen, as RGB.
    pub(crate) fn capture(&self) -> Result<Frame, NativeDriverError> {
        let bgrx = grab(&self.conn, self.root, self.width, self.height)?;
        let mut rgb = Vec::with_capacity(bgrx.len() / 4 * 3);
        for pixel in bgrx.chunks_exact(4) {
            rgb.extend_from_slice(&[pixel[2], pixel[1], pixel[0]]);
        }
        Ok(Frame {
            width: u32::from(self.width),
            height: u32::from(self.height),
            rgb,
            encoded: None,
        })
    }

    /// The game's window: the topmost visible top-level window, one the
    /// game manages itself (override-redirect: a menu, a splash) only when
    /// there is no other. `None` while the game shows none.
    pub(crate) fn game_window(&self) -> Result<Option<(Window, Region)>, NativeDriverError> {
        let tree = self.conn.query_tree(self.root)?.reply()?;
        let mut fallback = None;
        // Children come bottom to top.
        for &window in tree.children.iter().rev() {
            let Ok(attributes) = self.conn.get_window_attributes(window)?.reply() else {
                continue; // Gone since the tree was read.
            };
            if attributes.map_state != MapState::VIEWABLE
                || attributes.class == WindowClass::INPUT_ONLY
            {
                continue;
            }
            let Ok(geometry) = self.conn.get_geometry(window)?.reply() else {
                continue;
            };
            let region = Region {
                x: i32::from(geometry.x),
                y: i32::from(geometry.y),
                width: i32::from(geometry.width),
                height: i32::from(geometry.height),
            };
            if region.width <= 1 || region.height <= 1 {
                continue;
            }
            if !attributes.override_redirect {
                return Ok(Some((window, region)));
            }
            fallback.get_or_insert((window, region));
        }
        Ok(fallback)
    }

    /// Raises and focuses `window` unless it already has the focus.
    pub(crate) fn focus(&mut self, window: Window) -> Result<(), NativeDriverError> {
        if self.focused == Some(window) {
            let focus = self.conn.get_input_focus()?.reply()?;
            if focus.focus == window {
                return Ok(());
            }
        }
        self.conn.configure_window(
            window,
            &ConfigureWindowAux::new().stack_mode(StackMode::ABOVE),
        )?;
        self.conn
            .set_input_focus(InputFocus::PARENT, window, x11rb::CURRENT_TIME)?;
        self.conn.sync()?;
        self.focused = Some(window);
        Ok(())
    }

    pub(crate) fn forget_focus(&mut self) {
        self.focused = None;
    }

    /// Presses (`down`) or releases the key of `keysym`, with Shift held
    /// around a press when the symbol needs it.
    pub(crate) fn key(&mut self, keysym: u32, down: bool) -> Result<(), NativeDriverError> {
        let (keycode, shifted) = self.keycode(keysym)?;
        let shift = if shifted && !is_modifier(keysym) {
            Some(self.keycode(SHIFT)?.0)
        } else {
            None
        };
        if let (Some(shift), true) = (shift, down) {
            self.fake(xproto::KEY_PRESS_EVENT, shift, 0, 0)?;
        }
        let kind = if down {
            xproto::KEY_PRESS_EVENT
        } else {
            xproto::KEY_RELEASE_EVENT
        };
        self.fake(kind, keycode, 0, 0)?;
        if let (Some(shift), true) = (shift, down) {
            self.fake(xproto::KEY_RELEASE_EVENT, shift, 0, 0)?;
        }
        self.conn.sync()?;
        Ok(())
    }

    /// The keycode of a keysym, lending a spare keycode to a symbol the
    /// keyboard map lacks (an accented letter, a symbol).
    fn keycode(&mut self, keysym: u32) -> Result<(u8, bool), NativeDriverError> {
        if let Some(&found) = self.keys.get(&keysym) {
            return Ok(found);
        }
        let keycode = match self.spare_keycodes.pop() {
            Some(keycode) => keycode,
            None => {
                return Err(NativeDriverError::X11(format!(
                    "no keycode is left for keysym {keysym:#x}"
                )));
            }
        };
        self.conn
            .change_keyboard_mapping(1, keycode, 2, &[keysym, keysym])?;
        self.conn.sync()?;
        self.keys.insert(keysym, (keycode, false));
        Ok((keycode, false))
    }

    /// Moves the pointer to `[x, y]` on the screen.
    pub(crate) fn move_to(&self, [x, y]: [i32; 2]) -> Result<(), NativeDriverError> {
        let clamp = |value: i32, size: u16| value.clamp(0, i32::from(size) - 1) as i16;
        self.fake(
            xproto::MOTION_NOTIFY_EVENT,
            0,
            clamp(x, self.width),
            clamp(y, self.height),
        )?;
        self.conn.sync()?;
        Ok(())
    }

    /// Presses or releases a pointer button where the pointer is.
    pub(crate) fn button(&self, button: Button, down: bool) -> Result<(), NativeDriverError> {
        let kind = if down {
            xproto::BUTTON_PRESS_EVENT
        } else {
            xproto::BUTTON_RELEASE_EVENT
        };
        self.fake(kind, button, 0, 0)?;
        self.conn.sync()?;
        Ok(())
    }

    /// Releases every key and pointer button the display holds down, so
    /// a game started after an interrupted hold (the game ended while a
    /// key was down) does not find it pressed.
    pub(crate) fn release_all(&self) -> Result<(), NativeDriverError> {
        let keymap = self.conn.query_keymap()?.reply()?;
        for (byte, bits) in keymap.keys.iter().enumerate() {
            for bit in 0..8 {
                if bits & (1 << bit) != 0 {
                    self.fake(xproto::KEY_RELEASE_EVENT, (byte * 8 + bit) as u8, 0, 0)?;
                }
            }
        }
        let pointer = self.conn.query_pointer(self.root)?.reply()?;
        let held = u16::from(pointer.mask);
        for (button, mask) in [(1u8, 1u16 << 8), (2, 1 << 9), (3, 1 << 10)] {
            if held & mask != 0 {
                self.fake(xproto::BUTTON_RELEASE_EVENT, button, 0, 0)?;
            }
        }
        self.conn.sync()?;
        Ok(())
    }

    fn fake(&self, kind: u8, detail: u8, x: i16, y: i16) -> Result<(), NativeDriverError> {
        self.conn
            .xtest_fake_input(kind, detail, x11rb::CURRENT_TIME, self.root, x, y, 0)?;
        Ok(())
    }

    pub(crate) fn connection(&self) -> &RustConnection {
        &self.conn
    }
}

/// The pixels of the root window (`width` x `height` from the top left) as
/// the X server sends a 24-bit screen: 4 bytes a pixel, blue first, the
/// fourth unused (`bgr0`). The driver's screenshots and the recording both
/// take them from here, each on its own connection.
pub(crate) fn grab(
    conn: &RustConnection,
    root: Window,
    width: u16,
    height: u16,
) -> Result<Vec<u8>, NativeDriverError> {
    let image = conn
        .get_image(ImageFormat::Z_PIXMAP, root, 0, 0, width, height, !0)?
        .reply()?;
    let bytes = usize::from(width) * usize::from(height) * 4;
    if image.data.len() < bytes {
        return Err(NativeDriverError::X11(format!(
            "a screenshot of {width}x{height} came with {} bytes (depth {})",
            image.data.len(),
            image.depth
        )));
    }
    let mut data = image.data;
    data.truncate(bytes);
    Ok(data)
}
