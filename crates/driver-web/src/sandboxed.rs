//! Chromium in the game sandbox: a web build's scripts are untrusted code,
//! so the browser that runs them gets what a native game gets (no network
//! but its own loopback, no host files but system libraries, uid 1000, no
//! capabilities; see [`playtest_sandbox`]). The driver talks to it over
//! inherited pipes and serves it the build itself, so the browser needs
//! neither a port nor the build's folder: its `/game` is an empty folder of
//! the run, where its profile lives. The worker launches every browser
//! through this, and so do this crate's sandbox tests.

use std::io;
use std::path::{Path, PathBuf};

use tokio::process::Command;

use playtest_sandbox::{Launch, Sandbox, SandboxLimits};

use crate::launch::BrowserLauncher;

/// The browser's profile folder, as the browser sees it.
pub const PROFILE_DIR: &str = "/game/profile";

#[derive(Debug)]
pub struct SandboxedBrowser {
    sandbox: Sandbox,
    /// Mounted at `/game` inside; holds the profile.
    dir: PathBuf,
    limits: SandboxLimits,
}

impl SandboxedBrowser {
    pub fn new(sandbox: Sandbox, dir: PathBuf, limits: SandboxLimits) -> Self {
        SandboxedBrowser {
            sandbox,
            dir,
            limits,
        }
    }
}

impl BrowserLauncher for SandboxedBrowser {
    fn command(&self, program: &Path, args: &[String]) -> io::Result<Command> {
        let launch = Launch {
            dir: self.dir.clone(),
            program: program.to_string_lossy().into_owned(),
            args: args.to_vec(),
            env: Default::default(),
            limits: self.limits.clone(),
            shared: Vec::new(),
        };
        self.sandbox
            .command(&launch)
            .map_err(|err| io::Error::other(err.to_string()))
    }
}
