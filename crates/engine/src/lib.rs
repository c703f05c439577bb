//! Scheduling between the store and the API: how a worker's request for
//! work becomes a lease, and what keeps the queue honest when workers
//! vanish.
//!
//! - [`Scheduler::lease`] long-polls: it tries to lease, and when nothing
//!   fits it sleeps until the store says jobs may have arrived (in-process
//!   on SQLite, LISTEN/NOTIFY on PostgreSQL), never in a tight loop.
//! - [`sweeper::run`] runs beside the API: it retries or fails the jobs of
//!   workers whose leases expired, and marks queued jobs that no connected
//!   worker plays (its platform and test type) with a
//!   `queue_rejection_reason`.
//!
//! The rules of a job's life (which transitions are legal, when a retry
//! happens) live in the store, where each is one transaction.

mod scheduler;
mod settings;
pub mod sweeper;

pub use scheduler::Scheduler;
pub use settings::EngineSettings;
