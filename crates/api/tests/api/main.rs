//! Integration tests of the API: a real server on port 0, a fresh database
//! per test (SQLite and PostgreSQL), driven through the typed client, and
//! through raw HTTP where the point is a malformed request.

mod support;

mod assets;
mod auth;
mod bugs;
mod engine;
mod errors;
mod fake_worker;
mod keys;
mod openapi;
mod resources;
mod runs;
mod uploads;
mod workers;
