//! The run engine end to end, in one process: a real server (SQLite and
//! PostgreSQL, a local blob folder) and a real worker (the `playtest-worker`
//! service, talking HTTP to the server, playing shell-script builds under
//! bubblewrap). Game-loop verdicts, bugs shared across runs, stops,
//! retries, artifacts, events, plan counts and queue rejections.

mod support;

mod flows;
