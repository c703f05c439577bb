//! The `playtest` binary: parses the command line, sets up logging, runs the
//! command on a tokio runtime, and turns a failure into one line on standard
//! error and exit code 1 (usage errors are clap's, with exit code 2).
//! `run` and `runs watch` exit with a verdict instead (see
//! [`failure::verdict_exit_code`]); their usage errors exit 3.

mod ci;
mod config;
mod dispatch;
mod failure;
mod output;
mod resources;
mod server;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use playtest_ci::exit::{Concluded, EXIT_USAGE};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = match config::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return refuse(err),
    };
    let verdict = cli.command.exits_with_verdict();
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
        .and_then(|runtime| runtime.block_on(dispatch::run(cli.command)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if verdict => {
            if err.downcast_ref::<Concluded>().is_none() {
                eprintln!("{}", failure::describe(&err));
            }
            ExitCode::from(failure::verdict_exit_code(&err))
        }
        Err(err) => {
            eprintln!("{}", failure::describe(&err));
            ExitCode::FAILURE
        }
    }
}

/// Prints clap's message (or the help asked for) and exits with clap's
/// code, or 3 for a usage error of `run` and `runs watch`.
fn refuse(err: clap::Error) -> ExitCode {
    let _ = err.print();
    let usage = err.use_stderr() && config::names_a_verdict_command(std::env::args_os().skip(1));
    if usage {
        ExitCode::from(EXIT_USAGE)
    } else {
        ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2))
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
