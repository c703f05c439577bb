//! The public API contract as data, for the tests that hold playtest to it.
//!
//! The reference OpenAPI document (the nunu.ai API that playtest speaks) is
//! the contract: clients generated from it must read every answer playtest
//! gives. This crate keeps the reference's structure (its schemas, paths and
//! codes, without its prose: see [`prose`]) in `reference/`, so the checks
//! run wherever the repository is checked out, and offers three checks:
//!
//! - [`facts`]: what a client relies on in a document (paths, parameters,
//!   properties, codes, enum values), to prove the served document has all
//!   of the reference's;
//! - [`types`]: the JSON types each response field is declared with, to
//!   prove the served document declares every reference field as the
//!   reference does (no `null` where the reference allows none);
//! - [`responses`]: real responses validated against the reference's
//!   response schemas, the way a generated client would read them; and
//!   [`judge`], a series of them, recorded by [`recorder`] (the CLI suite's
//!   reference test, `examples/check-answers.rs` against any server).

pub mod deviations;
pub mod facts;
pub mod judge;
pub mod nullable;
pub mod prose;
pub mod recorder;
pub mod responses;
pub mod types;

mod document;

use serde_json::Value;

/// The reference document's structure, as committed in `reference/`.
pub const REFERENCE_JSON: &str = include_str!("../reference/nunu-openapi.json");

/// [`REFERENCE_JSON`], parsed.
pub fn reference() -> Value {
    serde_json::from_str(REFERENCE_JSON).expect("reference/nunu-openapi.json is JSON")
}
