//! How the commands that end with a verdict (`playtest run`, `runs watch`,
//! `bugs replay` and `minimize`) exit: the codes, and [`Concluded`], the
//! error that ends such a command with a code once it has said why.

use std::fmt;

/// A test failed or a bug at or above `--fail-on` was found (for a replay:
/// the bug did not appear).
pub const EXIT_FAILED: u8 = 1;
/// Infrastructure trouble: a run ended with error, timeout or stopped, the
/// wait timed out, or the server could not be reached.
pub const EXIT_TROUBLE: u8 = 2;
/// A usage error: bad flags, a missing file, an id the server does not know.
pub const EXIT_USAGE: u8 = 3;
/// Ctrl-C while waiting (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

/// A command that reached its verdict and already said so: exit with
/// `code`, printing nothing more.
#[derive(Debug)]
pub struct Concluded {
    pub code: u8,
}

impl fmt::Display for Concluded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "concluded with exit code {}", self.code)
    }
}

impl std::error::Error for Concluded {}
