//! One module per command group; [`run`] dispatches to them. Server-side
//! commands (`serve`, `migrate`, `keys create`) work on the store directly;
//! the rest go through the typed API client.

mod bugs;
mod builds;
mod configs;
mod input;
mod keys;
mod progress;
mod run_view;
mod runs;
mod server;
mod test_plans;
mod tests;
mod upload;

use playtest_client::Client;

use crate::config::{ClientArgs, Command};

pub async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => server::serve(args).await,
        Command::Migrate(args) => server::migrate(args).await,
        Command::Keys(command) => keys::run(command).await,
        Command::Tests(command) => tests::run(command).await,
        Command::TestPlans(command) => test_plans::run(command).await,
        Command::Configs(command) => configs::run(command).await,
        Command::Runs(command) => runs::run(command).await,
        Command::Bugs(command) => bugs::run(command).await,
        Command::Upload(args) => upload::run(args).await,
        Command::Builds(command) => builds::run(command).await,
    }
}

/// The API client the flags and environment describe.
fn connect(args: &ClientArgs) -> anyhow::Result<Client> {
    let key = args.api_key.as_ref().map(|key| key.expose().to_string());
    Ok(Client::new(&args.api_url, key)?)
}
