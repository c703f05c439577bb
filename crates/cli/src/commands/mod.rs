//! One module per command group; [`run`] dispatches to them. Server-side
//! commands (`serve`, `migrate`, `keys create`, `workers token create` and
//! `revoke`) work on the store directly; the rest go through the typed API
//! client. `run` and `runs watch` follow runs live (`follow`, `live`,
//! `event_line`) and end with a verdict (`wait`, `verdict`, `summary`,
//! `junit`).

mod assets;
mod bugs;
mod builds;
mod configs;
mod event_line;
mod follow;
mod input;
mod junit;
mod keys;
mod live;
mod progress;
mod replay;
mod run;
mod run_view;
mod runs;
mod server;
mod summary;
mod test_plans;
mod tests;
mod upload;
mod verdict;
mod wait;
mod watch;
mod worker;
mod workers;

use playtest_client::Client;

use crate::config::{ClientArgs, Command};

pub async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => server::serve(args).await,
        Command::Worker(args) => worker::run(args).await,
        Command::Migrate(args) => server::migrate(args).await,
        Command::Keys(command) => keys::run(command).await,
        Command::Tests(command) => tests::run(command).await,
        Command::TestPlans(command) => test_plans::run(command).await,
        Command::Configs(command) => configs::run(command).await,
        Command::Runs(command) => runs::run(command).await,
        Command::Bugs(command) => bugs::run(command).await,
        Command::Upload(args) => upload::run(args).await,
        Command::Builds(command) => builds::run(command).await,
        Command::Run(args) => run::run(args).await,
        Command::Workers(command) => workers::run(command).await,
    }
}

/// The API client the flags and environment describe.
fn connect(args: &ClientArgs) -> anyhow::Result<Client> {
    let key = args.api_key.as_ref().map(|key| key.expose().to_string());
    Ok(Client::new(&args.api_url, key)?)
}
