//! The flags of the commands CI runs: `upload` (and what it reads from its
//! environment), `run` and `runs watch` (`running`), and `bugs replay` and
//! `minimize` (`replay`).

mod replay;
mod running;
mod upload;

pub use replay::*;
pub use running::*;
pub use upload::*;
