//! The web player (placeholder until the web driver lands).

use super::{Play, Played};

pub async fn play(_play: &Play<'_>) -> Played {
    Played::error("the web driver is not wired in yet", vec![])
}
