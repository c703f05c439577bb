//! Answers a client generated from the reference can read.
//!
//! A real server (`serve --workers 2`) stores real uploads and plays real
//! runs of every test type and outcome: verification runs that pass and
//! fail (an exception in the maze), discovery runs that find a renderer
//! crash, a soft-lock, a hang, console errors and a black screen
//! (bench/faults' scripts in the maze), game loops that pass, fail, crash
//! and time out, a run without a build, runs stopped while queued and while
//! running, and a test plan. Every answer of the reference's operations
//! along the way, error answers included, is then judged against the
//! reference's schema for its status (playtest-contract), and every status
//! the reference lists for an operation must have been seen.

mod catalog;
mod findings;
mod runs;
mod uploads;

use playtest_contract::judge::judge;
use playtest_contract::recorder::Recorder;
use playtest_contract::responses::ResponseContract;
use tempfile::TempDir;

use self::catalog::Catalog;
use super::Server;

#[test]
fn every_answer_of_the_references_operations_reads_as_the_reference_says() {
    let server = Server::start_with(&[
        "--workers",
        "2",
        "--part-size",
        "1MiB",
        "--storage-capacity",
        "64MiB",
    ]);
    let admin = server.admin_key();
    let api = Recorder::new(&server.url, &admin);
    let dir = TempDir::new().unwrap();
    let project_id = api.get("/api/v1/project").1["id"]
        .as_str()
        .unwrap()
        .to_string();

    let build_id = uploads::upload_single_part(&api, &uploads::game_build(dir.path()));
    uploads::upload_in_parts_as_the_uploader_does(&api, dir.path(), &project_id);
    uploads::refuse_bad_uploads(&api, &project_id);
    runs::refuse_bad_run_requests(&server, &api);

    let catalog = Catalog::create(&api, &build_id);
    let played = runs::play_every_kind_of_run(&api, &catalog);
    let bugs = findings::read_every_run(&api, &played);
    findings::check_what_was_played(&played, &bugs);

    validate_every_exchange(&api);
}

/// Every recorded answer of a reference operation validates against the
/// reference, and every status the reference lists was seen.
fn validate_every_exchange(api: &Recorder) {
    let contract = ResponseContract::reference();
    let judgement = judge(&contract, &api.exchanges());
    assert!(
        judgement.broken.is_empty(),
        "{} of {} answers break the reference:\n{}",
        judgement.broken.len(),
        judgement.checked,
        judgement.broken.join("\n")
    );
    let unseen = judgement.unseen(&contract);
    assert!(
        unseen.is_empty(),
        "never answered as the reference lists: {unseen:#?}"
    );
}
