//! The server launcher: `playtest serve` (the API, with its embedded
//! workers if asked), `playtest worker` (a worker process on any machine
//! that can reach a server), `playtest migrate`, and the operator's
//! credentials made on the store directly (`keys create`, `workers token
//! create|list|revoke`). These are the commands that use the server's own
//! crates (store, api, blob, engine, worker); every other command talks
//! to a server over HTTP.

mod credentials;
mod embedded;
mod serve;
mod signals;
mod store;
mod worker;

pub use credentials::{create_key, worker_tokens};
pub use serve::serve;
pub use store::migrate;
pub use worker::run as worker;
