//! The `game_loop` test type: launch the build's own scenario in the
//! sandbox ([`runner`]), stream its output to the run's log, and judge the
//! run by how the program ended; its crash or hang becomes a bug
//! ([`bugs`](mod@bugs)).

pub mod bugs;
pub mod runner;

use std::time::Duration;

use chrono::Utc;
use playtest_types::{
    BugReport, Confidence, JobAssignment, LogLine, LogStream, RunOutcome, StepReport, StepResult,
    StepState,
};

use self::bugs::bugs;
use self::runner::{GameLoopEnd, GameLoopRun, Stream, run_game_loop};
use super::{Play, Played};

pub async fn play(play: &Play<'_>) -> Played {
    let job = play.job;
    let reporter = play.reporter;
    let first_step = first_step(job);
    let started_at = Utc::now();
    if let Some(step) = first_step {
        reporter.step(StepReport {
            player_number: 0,
            step_number: step,
            state: StepState::Running,
            result: None,
            report: None,
            start_time: Some(started_at),
            end_time: None,
        });
    }
    let logs_path = play.run_dir.join("logs.txt");
    let mut args = job.launch.args.clone();
    args.extend(job.test.game_loop.clone().unwrap_or_default().args);
    let spec = GameLoopRun {
        build_dir: play.game_dir.clone(),
        entry: job.launch.entry.clone(),
        args,
        env: job.launch.env.clone(),
        max_duration: play.max_duration,
        limits: play.settings.limits.clone(),
        logs_path: logs_path.clone(),
    };
    let line_reporter = reporter.clone();
    let report = match run_game_loop(spec, play.stop.clone(), move |line| {
        line_reporter.log(LogLine {
            stream: match line.stream {
                Stream::Stdout => LogStream::Stdout,
                Stream::Stderr => LogStream::Stderr,
            },
            line: line.text,
            at: Utc::now(),
        })
    })
    .await
    {
        Ok(report) => report,
        Err(err) => return Played::error(format!("could not run the game: {err}")),
    };
    for bug in bugs(&report, &job.launch.entry) {
        reporter.bug(BugReport {
            fingerprint: bug.fingerprint,
            title: bug.title,
            description: bug.description,
            category: bug.category,
            severity: bug.severity,
            confidence: Confidence::High,
            reproduction_steps: reproduction(job),
            player_number: 0,
            test_step: first_step,
            turn: None,
            video_offset_ms: None,
            screenshot: None,
            trace: None,
            minimizes: None,
        });
    }
    let (outcome, summary) = judge(&report.end, play.max_duration);
    if let Some(step) = first_step {
        reporter.step(StepReport {
            player_number: 0,
            step_number: step,
            state: StepState::Completed,
            result: Some(if outcome == RunOutcome::Success {
                StepResult::Success
            } else {
                StepResult::Failure
            }),
            report: Some(summary.clone()),
            start_time: Some(started_at),
            end_time: Some(Utc::now()),
        });
    }
    reporter.agent_log(summary.clone());
    Played {
        outcome,
        reason: (outcome != RunOutcome::Success).then_some(summary),
        artifacts: vec![logs_path],
    }
}

/// The first step of the first player, if the test has one (1-based).
fn first_step(job: &JobAssignment) -> Option<i32> {
    job.test
        .players
        .first()
        .filter(|player| !player.steps.is_empty())
        .map(|_| 1)
}

/// The run's outcome and a one-line summary of the game's end.
fn judge(end: &GameLoopEnd, max_duration: Duration) -> (RunOutcome, String) {
    match end {
        GameLoopEnd::Success => (RunOutcome::Success, "the game exited with code 0".into()),
        GameLoopEnd::Failed { exit_code } => (
            RunOutcome::Failed,
            format!("the game exited with code {exit_code}"),
        ),
        GameLoopEnd::Crashed { signal_name, .. } => (
            RunOutcome::Failed,
            format!("the game crashed ({signal_name})"),
        ),
        GameLoopEnd::TimedOut => (
            RunOutcome::Timeout,
            format!(
                "the game was still running after {} s and was ended",
                max_duration.as_secs()
            ),
        ),
        GameLoopEnd::Stopped => (RunOutcome::Stopped, "the run was stopped".into()),
    }
}

fn reproduction(job: &JobAssignment) -> String {
    let mut command = job.launch.entry.clone();
    for arg in job
        .launch
        .args
        .iter()
        .chain(job.test.game_loop.iter().flat_map(|g| g.args.iter()))
    {
        command.push(' ');
        command.push_str(arg);
    }
    format!(
        "1. Unpack build {}.\n2. Run `{command}` in its folder.",
        job.build.as_ref().map_or("-", |b| b.id.as_str())
    )
}
