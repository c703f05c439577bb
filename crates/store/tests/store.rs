//! The store's test suite. Every test runs twice, once on a fresh SQLite
//! database and once on a fresh PostgreSQL database (see
//! `playtest_store::backend_tests!`), so both backends keep the same
//! behaviour. One backend alone: `cargo nextest run -p playtest-store sqlite::`.

#[path = "store/build_races.rs"]
mod build_races;
#[path = "store/build_storage.rs"]
mod build_storage;
#[path = "store/builds.rs"]
mod builds;
#[path = "store/concurrency.rs"]
mod concurrency;
#[path = "store/documents.rs"]
mod documents;
#[path = "store/finishing.rs"]
mod finishing;
#[path = "store/fixtures.rs"]
mod fixtures;
#[path = "store/keys.rs"]
mod keys;
#[path = "store/leases.rs"]
mod leases;
#[path = "store/progress.rs"]
mod progress;
#[path = "store/queue.rs"]
mod queue;
#[path = "store/run_counts.rs"]
mod run_counts;
#[path = "store/run_lists.rs"]
mod run_lists;
#[path = "store/runs.rs"]
mod runs;
#[path = "store/stopping.rs"]
mod stopping;
#[path = "store/test_assets.rs"]
mod test_assets;
#[path = "store/traces.rs"]
mod traces;
#[path = "store/workers.rs"]
mod workers;
