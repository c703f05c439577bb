//! `playtest test-plans`: list, show, create, update and delete test plans.

use playtest_types::{TestPlan, TestPlanList, TestPlanSpec};

use super::input::read_json;
use crate::config::SpecCommand;
use crate::output::{Fields, Table, count, empty_page, or_dash, page_footer, print_json, time};

pub async fn run(command: SpecCommand) -> anyhow::Result<()> {
    match command {
        SpecCommand::List(args) => {
            let page = args.paging.query();
            let plans = args.client.connect()?.list_test_plans(&page).await?;
            if args.client.json {
                return print_json(&plans);
            }
            print_list(&plans);
        }
        SpecCommand::Show(args) => {
            let plan = args.client.connect()?.get_test_plan(&args.id).await?;
            show(&plan, args.client.json)?;
        }
        SpecCommand::Create(args) => {
            let spec: TestPlanSpec = read_json(&args.file, "test plan")?;
            let plan = args.client.connect()?.create_test_plan(&spec).await?;
            show(&plan, args.client.json)?;
        }
        SpecCommand::Update(args) => {
            let spec: TestPlanSpec = read_json(&args.file, "test plan")?;
            let plan = args
                .client
                .connect()?
                .update_test_plan(&args.id, &spec)
                .await?;
            show(&plan, args.client.json)?;
        }
        SpecCommand::Delete(args) => {
            args.client.connect()?.delete_test_plan(&args.id).await?;
            if !args.client.json {
                println!("deleted test plan {}", args.id);
            }
        }
    }
    Ok(())
}

fn print_list(plans: &TestPlanList) {
    if plans.data.is_empty() {
        println!("{}", empty_page(&plans.pagination, "test plans"));
        return;
    }
    let mut table = Table::new(&["ID", "NAME", "TESTS", "DESCRIPTION", "UPDATED"]);
    for plan in &plans.data {
        table.row(vec![
            plan.id.clone(),
            plan.spec.name.clone(),
            plan.spec.test_items.len().to_string(),
            plan.spec.description.clone(),
            time(plan.updated_at),
        ]);
    }
    table.print();
    println!("{}", page_footer(&plans.pagination, "test plans"));
}

fn show(plan: &TestPlan, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(plan);
    }
    let spec = &plan.spec;
    Fields::new()
        .add("id", &plan.id)
        .add("name", &spec.name)
        .add(
            "description",
            if spec.description.is_empty() {
                "-"
            } else {
                &spec.description
            },
        )
        .add("created", time(plan.created_at))
        .add("updated", time(plan.updated_at))
        .print();
    println!("\n{}", count(spec.test_items.len(), "test", "tests"));
    if !spec.test_items.is_empty() {
        let mut items = Table::new(&["#", "TEST", "RETRIES"]);
        for (i, item) in spec.test_items.iter().enumerate() {
            items.row(vec![
                (i + 1).to_string(),
                item.multiplayer_test_id.clone(),
                or_dash(item.retries),
            ]);
        }
        print!("{}", items.render("  "));
    }
    Ok(())
}
