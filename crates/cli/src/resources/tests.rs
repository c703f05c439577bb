//! `playtest tests`: list, show, create, update and delete tests; their
//! assets are [`super::assets`]'s.

use playtest_types::{Test, TestList, TestSpec, UpdateTestRequest};

use super::input::read_json;
use crate::config::TestsCommand;
use crate::output::{
    Fields, Table, count, empty_page, or_dash, page_footer, print_json, time, wire,
};

pub async fn run(command: TestsCommand) -> anyhow::Result<()> {
    match command {
        TestsCommand::List(args) => {
            let page = args.paging.query();
            let tests = args.client.connect()?.list_tests(&page).await?;
            if args.client.json {
                return print_json(&tests);
            }
            print_list(&tests);
        }
        TestsCommand::Show(args) => {
            let test = args.client.connect()?.get_test(&args.id).await?;
            show(&test, args.client.json)?;
        }
        TestsCommand::Create(args) => {
            let spec: TestSpec = read_json(&args.file, "test")?;
            let test = args.client.connect()?.create_test(&spec).await?;
            show(&test, args.client.json)?;
        }
        TestsCommand::Update(args) => {
            // The file may carry `expected_version` itself; the flag wins.
            let mut request: UpdateTestRequest = read_json(&args.file, "test")?;
            if args.expected_version.is_some() {
                request.expected_version = args.expected_version;
            }
            let test = args
                .client
                .connect()?
                .update_test(&args.id, &request)
                .await?;
            show(&test, args.client.json)?;
        }
        TestsCommand::Delete(args) => {
            args.client.connect()?.delete_test(&args.id).await?;
            if !args.client.json {
                println!("deleted test {}", args.id);
            }
        }
        TestsCommand::Asset(command) => super::assets::run(command).await?,
    }
    Ok(())
}

fn print_list(tests: &TestList) {
    if tests.data.is_empty() {
        println!("{}", empty_page(&tests.pagination, "tests"));
        return;
    }
    let mut table = Table::new(&[
        "ID", "NAME", "TYPE", "VERSION", "PLAYERS", "STEPS", "TAGS", "UPDATED",
    ]);
    for test in &tests.data {
        let steps: usize = test.spec.players.iter().map(|p| p.steps.len()).sum();
        table.row(vec![
            test.id.clone(),
            test.spec.name.clone(),
            test.spec.test_type.as_str().to_string(),
            test.version.to_string(),
            test.spec.players.len().to_string(),
            steps.to_string(),
            test.spec.tags.join(","),
            time(test.updated_at),
        ]);
    }
    table.print();
    println!("{}", page_footer(&tests.pagination, "tests"));
}

fn show(test: &Test, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(test);
    }
    let spec = &test.spec;
    let mut fields = Fields::new();
    fields
        .add("id", &test.id)
        .add("name", &spec.name)
        .add("type", wire(&spec.test_type))
        .add("version", test.version)
        .add(
            "description",
            if spec.description.is_empty() {
                "-"
            } else {
                &spec.description
            },
        )
        .add("min seconds", or_dash(spec.min_seconds))
        .add("max seconds", or_dash(spec.max_seconds))
        .add(
            "tags",
            if spec.tags.is_empty() {
                "-".to_string()
            } else {
                spec.tags.join(",")
            },
        )
        .add("created", time(test.created_at))
        .add("updated", time(test.updated_at));
    if let Some(discovery) = &spec.discovery {
        fields
            .add("discovery seed", or_dash(discovery.seed))
            .add("max actions", or_dash(discovery.max_actions));
    }
    if let Some(game_loop) = &spec.game_loop {
        fields.add("game loop args", game_loop.args.join(" "));
    }
    fields.print();
    for player in &spec.players {
        let steps = count(player.steps.len(), "step", "steps");
        println!("\nplayer {} ({steps})", player.name);
        if player.steps.is_empty() {
            continue;
        }
        let mut steps = Table::new(&["#", "GOAL", "FINISH CONDITION", "ACTIONS", "CHECKS"]);
        for (i, step) in player.steps.iter().enumerate() {
            steps.row(vec![
                (i + 1).to_string(),
                step.goal.clone(),
                step.finish_condition.clone(),
                step.actions.len().to_string(),
                step.expected_results.len().to_string(),
            ]);
        }
        print!("{}", steps.render("  "));
    }
    Ok(())
}
