//! The server's scheduling flags: how long a lease lasts without a
//! heartbeat (how soon a dead worker's jobs are retried), how often the
//! sweeper runs, and how many workers run inside the server.

use std::time::Duration;

use clap::Args;
use playtest_engine::EngineSettings;

use super::GameLimitArgs;

#[derive(Debug, Clone, Args)]
pub struct EngineArgs {
    /// Workers to run inside the server (0: none; remote workers only)
    #[arg(long, env = "PLAYTEST_WORKERS", value_name = "N", default_value_t = 0)]
    pub workers: u32,
    /// Seconds a job's lease lasts without a heartbeat; a worker silent this
    /// long loses its jobs (retried or failed) [default: 30]
    #[arg(long, env = "PLAYTEST_LEASE_SECONDS", value_name = "S", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub lease_seconds: Option<u64>,
    /// Seconds between sweeps for expired leases [default: 5]
    #[arg(long, env = "PLAYTEST_SWEEP_SECONDS", value_name = "S", value_parser = clap::value_parser!(u64).range(1..=600))]
    pub sweep_seconds: Option<u64>,
    /// Limits of the games the server's own workers run
    #[command(flatten)]
    pub game_limits: GameLimitArgs,
}

impl EngineArgs {
    pub fn engine_settings(&self) -> EngineSettings {
        let defaults = EngineSettings::default();
        EngineSettings {
            lease_duration: self
                .lease_seconds
                .map_or(defaults.lease_duration, Duration::from_secs),
            sweep_interval: self
                .sweep_seconds
                .map_or(defaults.sweep_interval, Duration::from_secs),
            ..defaults
        }
    }
}
