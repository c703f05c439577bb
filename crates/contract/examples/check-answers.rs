//! Reads every run of a live playtest server through the reference's
//! operations (every page of `GET /runs`, each run's details and bugs) and
//! judges every answer against the reference, as a client generated from it
//! would read them. Exits 1 when an answer breaks the reference.
//!
//! `cargo run -p playtest-contract --example check-answers -- URL API_KEY`
//! (bench/explore.sh runs it on the runs it played).

use playtest_contract::judge::judge;
use playtest_contract::recorder::Recorder;
use playtest_contract::responses::ResponseContract;

/// The largest page the reference allows.
const PAGE_SIZE: u64 = 100;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(key)) = (args.next(), args.next()) else {
        eprintln!("usage: check-answers URL API_KEY");
        std::process::exit(3);
    };
    let api = Recorder::new(url.trim_end_matches('/'), &key);
    let mut runs = Vec::new();
    for page in 0.. {
        let (status, list) = api.get(&format!("/api/v1/runs?page={page}&page_size={PAGE_SIZE}"));
        if status != 200 {
            eprintln!("GET /api/v1/runs answered {status}: {list}");
            std::process::exit(2);
        }
        let data = list["data"].as_array().cloned().unwrap_or_default();
        runs.extend(
            data.iter()
                .filter_map(|run| run["multiplayer_run_id"].as_str().map(String::from)),
        );
        if (data.len() as u64) < PAGE_SIZE {
            break;
        }
    }
    for run in &runs {
        api.get(&format!("/api/v1/runs/{run}"));
        api.get(&format!("/api/v1/runs/{run}/bugs"));
    }
    let judgement = judge(&ResponseContract::reference(), &api.exchanges());
    println!(
        "{} answers about {} runs judged against the reference: {} break it",
        judgement.checked,
        runs.len(),
        judgement.broken.len()
    );
    for broken in &judgement.broken {
        println!("  {broken}");
    }
    if !judgement.broken.is_empty() {
        std::process::exit(1);
    }
}
