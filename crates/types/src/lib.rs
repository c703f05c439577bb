//! Wire types of the playtest public API.
//!
//! Everything a client sends or receives over `/api/v1` is defined here, once,
//! with serde for the JSON shape and utoipa for the OpenAPI document. The
//! server, the typed client and the CLI all share these types, so a field
//! renamed here is renamed everywhere (and the conformance check against the
//! reference spec notices). This crate holds no behaviour beyond parsing.

pub mod asset;
pub mod bug;
pub mod build;
pub mod config;
pub mod error;
pub mod event;
pub mod key;
pub mod key_names;
pub mod page;
pub mod permission;
pub mod plan;
pub mod project;
pub mod run;
pub mod secret;
pub mod test;
pub mod worker;

pub use asset::*;
pub use bug::*;
pub use build::*;
pub use config::*;
pub use error::*;
pub use event::*;
pub use key::*;
pub use key_names::canonical_key_name;
pub use page::*;
pub use permission::*;
pub use plan::*;
pub use project::*;
pub use run::*;
pub use secret::Secret;
pub use test::*;
pub use worker::*;
