//! The `playtest` binary: parses the command line, sets up logging, runs the
//! command on a tokio runtime, and turns a failure into one line on standard
//! error and exit code 1 (usage errors are clap's, with exit code 2).

mod ci_env;
mod commands;
mod config;
mod failure;
mod output;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = config::Cli::parse();
    let default_filter = if cli.command.is_server_side() {
        "info"
    } else {
        "warn"
    };
    init_logging(cli.log.as_deref(), default_filter);
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(commands::run(cli.command)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{}", failure::describe(&err));
            ExitCode::FAILURE
        }
    }
}

/// Logs go to standard error, filtered by `RUST_LOG` (or the default).
fn init_logging(filter: Option<&str>, default: &str) {
    let filter = match filter.map(EnvFilter::try_new) {
        Some(Ok(filter)) => filter,
        Some(Err(err)) => {
            eprintln!("warning: ignoring RUST_LOG ({err}); logging at {default}");
            EnvFilter::new(default)
        }
        None => EnvFilter::new(default),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
