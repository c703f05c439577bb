//! The readable view of one run (`playtest runs show`): the run itself as
//! `key: value` lines, then each player with its steps as a nested table,
//! then the artifacts.

use playtest_types::{Player, RunDetails};

use crate::output::{Fields, Table, opt_duration, opt_time, or_dash, run_result, size, time, wire};

pub fn print(details: &RunDetails) {
    let run = &details.run;
    let mut fields = Fields::new();
    fields
        .add("run", &run.multiplayer_run_id)
        .add("job", &run.job_id)
        .add("state", wire(&run.state))
        .add("result", run_result(run))
        .add("job status", wire(&run.job_status));
    if let Some(reason) = &run.queue_rejection_reason {
        fields.add("waiting because", reason);
    }
    fields
        .add(
            "test",
            format!(
                "{} ({}, {})",
                run.test.name, run.test.id, run.test.test_type
            ),
        )
        .add(
            "build",
            run.build
                .as_ref()
                .map_or("-".to_string(), |b| format!("{} ({})", b.name, b.id)),
        )
        .add("config", &run.deployment_config_id)
        .add(
            "tags",
            if run.tags.is_empty() {
                "-".to_string()
            } else {
                run.tags.join(",")
            },
        )
        .add(
            "bugs",
            run.bug_info.as_ref().map_or("0".to_string(), |b| {
                format!("{} ({})", b.bug_count, b.bug_label)
            }),
        )
        .add("created", time(run.created_at))
        .add("started", opt_time(run.started_at))
        .add("completed", opt_time(run.completed_at))
        .add("duration", opt_duration(run.duration_ms))
        .add("retries", details.retries)
        .add("initiator", initiator(details))
        .add(
            "test plan execution",
            or_dash(run.test_plan_execution_id.as_ref()),
        );
    fields.print();

    for player in &run.players {
        print_player(player);
    }

    println!("\nartifacts ({})", details.artifacts.len());
    if !details.artifacts.is_empty() {
        let mut table = Table::new(&["FILE", "SIZE", "UPLOADED", "URL"]);
        for artifact in &details.artifacts {
            table.row_uncut(vec![
                artifact.filename.clone(),
                size(artifact.size),
                time(artifact.uploaded_at),
                artifact.url.clone(),
            ]);
        }
        print!("{}", table.render("  "));
    }
}

fn initiator(details: &RunDetails) -> String {
    let initiator = &details.run.initiator;
    match initiator.value.get("name").and_then(|name| name.as_str()) {
        Some(name) => format!("{} {name}", initiator.kind),
        None => initiator.kind.clone(),
    }
}

fn print_player(player: &Player) {
    println!(
        "\nplayer {} ({}): {}, {}, {} of {} steps done, on {} {}",
        player.player_number,
        player.test_name,
        wire(&player.state),
        player
            .result
            .map_or("no result yet".to_string(), |r| wire(&r)),
        player.completed_step_count,
        player.step_count,
        player.platform.kind,
        player.platform.device,
    );
    let steps = player.steps.as_deref().unwrap_or_default();
    if steps.is_empty() {
        return;
    }
    let mut table = Table::new(&["#", "STATE", "RESULT", "DURATION", "GOAL", "REPORT"]);
    for step in steps {
        table.row(vec![
            step.step_number.to_string(),
            wire(&step.run_state),
            step.run_result.map_or("-".to_string(), |r| wire(&r)),
            opt_duration(step.duration_ms),
            step.test.goal.clone(),
            or_dash(step.report.as_ref()),
        ]);
    }
    print!("{}", table.render("  "));
}
