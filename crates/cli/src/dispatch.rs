//! Which code runs each command: the server launcher ([`crate::server`]),
//! the commands CI runs ([`crate::ci`], made of the CI client), or the
//! resource commands ([`crate::resources`]). A group whose commands belong
//! to different parts (`keys`, `runs`, `bugs`, `workers`) is dispatched
//! command by command, so that each command has exactly one home.

use crate::config::{BugsCommand, Command, KeysCommand, RunsCommand, WorkersCommand};
use crate::{ci, resources, server};

pub async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        // The server launcher: the server, a worker, and the store's own tools.
        Command::Serve(args) => server::serve(*args).await,
        Command::Worker(args) => server::worker(args).await,
        Command::Migrate(args) => server::migrate(args).await,
        Command::Keys(KeysCommand::Create(args)) => server::create_key(args).await,
        Command::Workers(WorkersCommand::Token(command)) => server::worker_tokens(command).await,

        // The commands CI runs.
        Command::Upload(args) => ci::upload::run(args).await,
        Command::Run(args) => ci::run::run(args).await,
        Command::Runs(RunsCommand::Watch(args)) => ci::watch::run(args).await,
        Command::Bugs(BugsCommand::Replay(args)) => ci::replay::run(args, false).await,
        Command::Bugs(BugsCommand::Minimize(args)) => ci::replay::run(args, true).await,

        // The resource commands, through the API.
        Command::Tests(command) => resources::tests::run(command).await,
        Command::TestPlans(command) => resources::test_plans::run(command).await,
        Command::Configs(command) => resources::configs::run(command).await,
        Command::Builds(command) => resources::builds::run(command).await,
        Command::Runs(RunsCommand::List(args)) => resources::runs::list(args).await,
        Command::Runs(RunsCommand::Show(args)) => resources::runs::show(args).await,
        Command::Runs(RunsCommand::Stop(args)) => resources::runs::stop(args).await,
        Command::Runs(RunsCommand::Start(args)) => resources::runs::start(args).await,
        Command::Bugs(BugsCommand::List(args)) => resources::bugs::list(args).await,
        Command::Bugs(BugsCommand::Show(args)) => resources::bugs::show(args).await,
        Command::Keys(KeysCommand::List(args)) => resources::keys::list(args).await,
        Command::Keys(KeysCommand::Disable(args)) => {
            resources::keys::set_disabled(args, true).await
        }
        Command::Keys(KeysCommand::Enable(args)) => {
            resources::keys::set_disabled(args, false).await
        }
        Command::Keys(KeysCommand::Delete(args)) => resources::keys::delete(args).await,
        Command::Workers(WorkersCommand::List(args)) => resources::workers::list(args).await,
        Command::Workers(WorkersCommand::Tokens(args)) => resources::workers::tokens(args).await,
    }
}
