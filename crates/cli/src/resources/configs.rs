//! `playtest configs`: list, show, create, update and delete deployment
//! configs (which build to play and how to launch it).

use playtest_types::{DeploymentConfig, DeploymentConfigList, DeploymentConfigSpec};

use super::input::read_json;
use crate::config::SpecCommand;
use crate::output::{Fields, Table, empty_page, or_dash, page_footer, print_json, time};

const WHAT: &str = "deployment config";

pub async fn run(command: SpecCommand) -> anyhow::Result<()> {
    match command {
        SpecCommand::List(args) => {
            let page = args.paging.query();
            let configs = args
                .client
                .connect()?
                .list_deployment_configs(&page)
                .await?;
            if args.client.json {
                return print_json(&configs);
            }
            print_list(&configs);
        }
        SpecCommand::Show(args) => {
            let config = args
                .client
                .connect()?
                .get_deployment_config(&args.id)
                .await?;
            show(&config, args.client.json)?;
        }
        SpecCommand::Create(args) => {
            let spec: DeploymentConfigSpec = read_json(&args.file, WHAT)?;
            let config = args
                .client
                .connect()?
                .create_deployment_config(&spec)
                .await?;
            show(&config, args.client.json)?;
        }
        SpecCommand::Update(args) => {
            let spec: DeploymentConfigSpec = read_json(&args.file, WHAT)?;
            let config = args
                .client
                .connect()?
                .update_deployment_config(&args.id, &spec)
                .await?;
            show(&config, args.client.json)?;
        }
        SpecCommand::Delete(args) => {
            args.client
                .connect()?
                .delete_deployment_config(&args.id)
                .await?;
            if !args.client.json {
                println!("deleted {WHAT} {}", args.id);
            }
        }
    }
    Ok(())
}

fn print_list(configs: &DeploymentConfigList) {
    if configs.data.is_empty() {
        println!("{}", empty_page(&configs.pagination, "deployment configs"));
        return;
    }
    let mut table = Table::new(&["ID", "NAME", "KIND", "BUILD", "ENTRY", "SCREEN", "UPDATED"]);
    for config in &configs.data {
        let spec = &config.spec;
        table.row(vec![
            config.id.clone(),
            spec.name.clone(),
            spec.kind.as_str().to_string(),
            or_dash(spec.build_id.as_ref()),
            spec.launch.entry.clone(),
            format!("{}x{}", spec.launch.width, spec.launch.height),
            time(config.updated_at),
        ]);
    }
    table.print();
    println!("{}", page_footer(&configs.pagination, "deployment configs"));
}

fn show(config: &DeploymentConfig, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json(config);
    }
    let spec = &config.spec;
    let launch = &spec.launch;
    let env: Vec<String> = launch.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    Fields::new()
        .add("id", &config.id)
        .add("name", &spec.name)
        .add("kind", spec.kind.as_str())
        .add("build", or_dash(spec.build_id.as_ref()))
        .add("entry", &launch.entry)
        .add(
            "args",
            if launch.args.is_empty() {
                "-".to_string()
            } else {
                launch.args.join(" ")
            },
        )
        .add(
            "env",
            if env.is_empty() {
                "-".to_string()
            } else {
                env.join(" ")
            },
        )
        .add("screen", format!("{}x{}", launch.width, launch.height))
        .add("created", time(config.created_at))
        .add("updated", time(config.updated_at))
        .print();
    Ok(())
}
