//! `playtest builds`: list, show and delete builds, and download one
//! (`download`). Uploading one is the CI client's (`playtest upload`,
//! [`crate::ci::upload`]).

mod download;

use playtest_types::{Build, BuildList, ListBuildsQuery};

use crate::config::{BuildsCommand, ListBuildsArgs};
use crate::output::{
    Fields, Table, comma_list, empty_page, opt_time, or_dash, page_footer, print_json, size, time,
    wire,
};

pub async fn run(command: BuildsCommand) -> anyhow::Result<()> {
    match command {
        BuildsCommand::List(args) => list_builds(args).await,
        BuildsCommand::Show(args) => {
            let build = args.client.connect()?.get_build(&args.id).await?;
            if args.client.json {
                return print_json(&build);
            }
            show(&build);
            Ok(())
        }
        BuildsCommand::Delete(args) => {
            args.client.connect()?.delete_build(&args.id).await?;
            if !args.client.json {
                println!("deleted build {}", args.id);
            }
            Ok(())
        }
        BuildsCommand::Download(args) => download::download(args).await,
    }
}

async fn list_builds(args: ListBuildsArgs) -> anyhow::Result<()> {
    let query = ListBuildsQuery {
        page: args.paging.page,
        page_size: args.paging.page_size,
        platform: args.platform,
        tags: (!args.tags.is_empty()).then(|| args.tags.join(",")),
        name: args.name,
    };
    let builds = args.client.connect()?.list_builds(&query).await?;
    if args.client.json {
        return print_json(&builds);
    }
    print_list(&builds);
    Ok(())
}

fn print_list(builds: &BuildList) {
    if builds.data.is_empty() {
        println!("{}", empty_page(&builds.pagination, "builds"));
        return;
    }
    let mut table = Table::new(&[
        "ID",
        "NAME",
        "PLATFORM",
        "STATUS",
        "SIZE",
        "TAGS",
        "CREATED",
        "LAST USED",
    ]);
    for build in &builds.data {
        table.row(vec![
            build.id.clone(),
            build.name.clone(),
            build.platform.as_str().to_string(),
            wire(&build.status),
            size(build.file_size),
            comma_list(&build.tags),
            time(build.created_at),
            opt_time(build.last_used),
        ]);
    }
    table.print();
    println!("{}", page_footer(&builds.pagination, "builds"));
}

fn show(build: &Build) {
    let mut fields = Fields::new();
    fields
        .add("id", &build.id)
        .add("name", &build.name)
        .add("platform", build.platform.as_str())
        .add("status", wire(&build.status))
        .add("file", &build.file_name)
        .add(
            "size",
            format!("{} ({} bytes)", size(build.file_size), build.file_size),
        )
        .add("sha256", or_dash(build.sha256.as_ref()))
        .add("tags", comma_list(&build.tags))
        .add("pinned", if build.pinned { "yes" } else { "no" })
        .add("description", or_dash(build.description.as_ref()))
        .add("created", time(build.created_at))
        .add("last used", opt_time(build.last_used));
    let details = &build.details;
    if let Some(vcs) = &details.vcs {
        let commit = vcs.commit.as_ref();
        fields
            .add("repository", or_dash(vcs.repository_url.as_ref()))
            .add("branch", or_dash(vcs.branch.as_ref().or(vcs.tag.as_ref())))
            .add("commit", or_dash(commit.and_then(|c| c.hash.as_ref())))
            .add("message", or_dash(commit.and_then(|c| c.message.as_ref())));
        if let Some(number) = vcs.pr.as_ref().and_then(|pr| pr.number) {
            fields.add("pull request", number);
        }
    }
    if let Some(ci) = &details.ci {
        fields.add("ci", or_dash(ci.system.as_ref().map(wire))).add(
            "ci run",
            or_dash(ci.run_url.as_ref().or(ci.run_id.as_ref())),
        );
    }
    if let Some(upload) = &details.upload {
        fields.add("uploaded with", or_dash(upload.method.as_ref().map(wire)));
    }
    fields.print();
}
