//! The resource commands: list, show, create, update and delete what the
//! API holds (tests and their assets, test plans, deployment configs,
//! runs, builds, bug occurrences, API keys, workers), one module per
//! resource, each printing a table, a `key: value` view or, with
//! `--json`, the API's JSON ([`crate::output`]). `input` reads the JSON
//! definitions `create` and `update` send.

pub mod assets;
pub mod bugs;
pub mod builds;
pub mod configs;
mod input;
pub mod keys;
pub mod runs;
pub mod test_plans;
pub mod tests;
pub mod workers;
