//! `playtest runs watch RUN_ID`: follows one run live, from its first
//! event, until it completes, and exits with its verdict as `playtest run
//! --wait` does. The run is read first, so an unknown id is a usage error
//! (exit 3) rather than trouble met while waiting.

use playtest_ci::wait::wait_for;

use crate::config::WatchArgs;

pub async fn run(args: WatchArgs) -> anyhow::Result<()> {
    let client = args.client.connect()?;
    client.get_run(&args.run_id).await?;
    let run_ids = [args.run_id.clone()];
    let waiting = args.waiting.resolve(args.client.json);
    wait_for(&client, &run_ids, &waiting).await
}
