//! The flags of `playtest worker` (a worker process on any machine that
//! can reach the server) and what a worker inside `playtest serve` uses.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use playtest_types::Secret;
use playtest_worker::{NativeTools, SandboxLimits, WebTools, WorkerSettings};

use super::storage::parse_size;

#[derive(Debug, Clone, Args)]
pub struct WorkerArgs {
    /// URL of the playtest server
    #[arg(
        long,
        env = "PLAYTEST_SERVER",
        value_name = "URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub server: String,
    /// Worker token (`playtest workers token create`)
    #[arg(
        long,
        env = "PLAYTEST_WORKER_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true,
        value_parser = parse_token
    )]
    pub token: Secret,
    /// How the worker is listed in `playtest workers list` [default: the host name]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Jobs run at once
    #[arg(long, env = "PLAYTEST_WORKER_SLOTS", value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub slots: u32,
    /// Where builds are cached and runs play
    #[arg(
        long,
        env = "PLAYTEST_WORKER_DIR",
        value_name = "DIR",
        default_value = "./playtest-worker"
    )]
    pub work_dir: PathBuf,
    #[command(flatten)]
    pub limits: GameLimitArgs,
}

/// Limits every game runs under, for `playtest worker` and `serve --workers`.
#[derive(Debug, Clone, Args)]
pub struct GameLimitArgs {
    /// CPU seconds a game process may use [default: 3600]
    #[arg(long, env = "PLAYTEST_GAME_CPU_SECONDS", value_name = "S")]
    pub game_cpu_seconds: Option<u64>,
    /// Memory a game process may allocate [default: 8GiB]
    #[arg(long, env = "PLAYTEST_GAME_MEMORY", value_name = "SIZE", value_parser = parse_size)]
    pub game_memory: Option<u64>,
    /// A game loop's time limit when neither the test nor the run sets one [default: 600]
    #[arg(long, env = "PLAYTEST_GAME_MAX_SECONDS", value_name = "S")]
    pub game_max_seconds: Option<u64>,
    /// Chromium, which plays web builds [default: Debian's, when installed]
    #[arg(long, env = "PLAYTEST_CHROMIUM", value_name = "PATH")]
    pub chromium: Option<PathBuf>,
    /// ffmpeg, which records runs as H.264 [default: /usr/bin/ffmpeg, when installed]
    #[arg(long, env = "PLAYTEST_FFMPEG", value_name = "PATH")]
    pub ffmpeg: Option<PathBuf>,
    /// Xvfb, the virtual display native games are played on [default: /usr/bin/Xvfb, when installed]
    #[arg(long, env = "PLAYTEST_XVFB", value_name = "PATH")]
    pub xvfb: Option<PathBuf>,
    /// tesseract, which reads the screen's text for `text_visible` checks on games without a document (native)
    #[arg(long, env = "PLAYTEST_TESSERACT", value_name = "PATH", default_value = playtest_worker::DEFAULT_TESSERACT)]
    pub tesseract: PathBuf,
}

impl GameLimitArgs {
    /// The worker settings for a worker of `server` with `token`, `slots`
    /// slots, working in `work_dir`.
    pub fn worker_settings(
        &self,
        server_url: String,
        token: Secret,
        name: String,
        slots: u32,
        work_dir: PathBuf,
    ) -> WorkerSettings {
        let defaults = SandboxLimits::default();
        let web = self.web_tools();
        let native = self.native_tools();
        WorkerSettings {
            server_url,
            token,
            name,
            web,
            native,
            slots,
            work_dir,
            limits: SandboxLimits {
                cpu_seconds: self.game_cpu_seconds.unwrap_or(defaults.cpu_seconds),
                memory_bytes: self.game_memory.unwrap_or(defaults.memory_bytes),
                ..defaults
            },
            lease_wait: Duration::from_secs(30),
            default_max_duration: Duration::from_secs(self.game_max_seconds.unwrap_or(600)),
            tesseract: self.tesseract(),
        }
    }
}

impl GameLimitArgs {
    /// The web driver's tools, `None` (no web platform) when Chromium is
    /// not there. A named Chromium that does not exist is still taken, so
    /// its jobs fail saying so rather than going to no worker at all.
    fn web_tools(&self) -> Option<WebTools> {
        let chromium = match &self.chromium {
            Some(path) => path.clone(),
            None => {
                let found = playtest_worker::default_chromium();
                if !found.is_file() {
                    tracing::info!(
                        "no Chromium at {}: this worker plays no web builds (install Debian's chromium, or pass --chromium)",
                        found.display()
                    );
                    return None;
                }
                found
            }
        };
        Some(WebTools {
            chromium,
            ffmpeg: self.ffmpeg(),
        })
    }

    /// The native driver's tools, `None` (native builds only as game
    /// loops) when Xvfb is not there. A named Xvfb is taken as for
    /// Chromium.
    fn native_tools(&self) -> Option<NativeTools> {
        let xvfb = match &self.xvfb {
            Some(path) => path.clone(),
            None => {
                let found = PathBuf::from("/usr/bin/Xvfb");
                if !found.is_file() {
                    tracing::info!(
                        "no Xvfb at {}: this worker plays native builds only as game loops (install Debian's xvfb, or pass --xvfb)",
                        found.display()
                    );
                    return None;
                }
                found
            }
        };
        let faketime = PathBuf::from(playtest_worker::DEBIAN_FAKETIME);
        if !faketime.is_file() {
            tracing::info!(
                "no libfaketime at {}: native games see the real time (install Debian's faketime)",
                faketime.display()
            );
        }
        Some(NativeTools {
            xvfb,
            ffmpeg: self.ffmpeg(),
            faketime: Some(faketime).filter(|path| path.is_file()),
        })
    }

    /// ffmpeg, which records runs; `None` (logged) when it is not there.
    fn ffmpeg(&self) -> Option<PathBuf> {
        let ffmpeg = match &self.ffmpeg {
            Some(path) => Some(path.clone()),
            None => Some(PathBuf::from("/usr/bin/ffmpeg")).filter(|path| path.is_file()),
        };
        if ffmpeg.is_none() {
            tracing::info!(
                "no ffmpeg: runs are not recorded (install Debian's ffmpeg, or pass --ffmpeg)"
            );
        }
        ffmpeg
    }

    /// tesseract, taken even when it is not there (logged): only the
    /// `text_visible` checks of games without a document need it, and they
    /// then fail saying what to install.
    fn tesseract(&self) -> PathBuf {
        if !self.tesseract.is_file() {
            tracing::info!(
                "no tesseract at {}: text_visible checks on games without a document fail (install Debian's tesseract-ocr, or pass --tesseract)",
                self.tesseract.display()
            );
        }
        self.tesseract.clone()
    }
}

fn parse_token(given: &str) -> Result<Secret, String> {
    Ok(Secret::new(given.trim()))
}

impl WorkerArgs {
    pub fn settings(&self) -> WorkerSettings {
        let name = self.name.clone().unwrap_or_else(host_name);
        self.limits.worker_settings(
            self.server.trim_end_matches('/').to_string(),
            self.token.clone(),
            name,
            self.slots,
            self.work_dir.clone(),
        )
    }
}

/// The machine's name, for a worker that was not given one.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_string())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "worker".to_string())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::Command;
    use crate::config::testing::command;

    fn worker_args(extra: &[&str]) -> super::WorkerArgs {
        let mut args = vec!["worker", "--token", "ptw_x"];
        args.extend_from_slice(extra);
        match command(&args) {
            Command::Worker(args) => args,
            _ => panic!("not the worker command"),
        }
    }

    #[test]
    fn tesseract_defaults_to_debians_and_a_named_one_reaches_the_worker() {
        let default = worker_args(&[]).settings();
        assert_eq!(default.tesseract, Path::new("/usr/bin/tesseract"));
        let named = worker_args(&["--tesseract", "/opt/ocr/tesseract"]).settings();
        assert_eq!(named.tesseract, Path::new("/opt/ocr/tesseract"));
    }
}
