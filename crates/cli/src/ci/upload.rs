//! `playtest upload`: uploads one or more build files. Everything that can
//! be checked before sending (the files exist and are not empty, each has
//! a platform) is checked for all files first; then the files are uploaded
//! one after the other ([`playtest_ci::upload`]), each build id printed on
//! standard output as soon as it is complete. Ctrl-C stops with a line
//! saying how to resume. [`upload_build`] is the same upload of one file
//! for `playtest run --build`.

use std::path::Path;

use anyhow::{anyhow, bail};
use playtest_ci::upload::{
    self, Backoff, DEFAULT_PARALLEL, DEFAULT_RETRIES, Job, Options, Uploaded, upload_file,
};
use playtest_client::Client;
use playtest_types::{BuildPlatform, DeletionPolicy, InitiateUploadRequest};
use serde_json::Value;

use crate::config::{UploadArgs, build_details, progress_mode, upload_state_dir};
use crate::failure::Usage;
use crate::output::print_json;

pub async fn run(args: UploadArgs) -> anyhow::Result<()> {
    let jobs = plan_jobs(&args)?;
    let client = args.client.connect()?;
    let options = Options {
        parallel: usize::from(args.parallel),
        backoff: Backoff::new(args.retries),
        state_dir: args.state_dir(),
        resume: !args.no_resume,
        progress: progress_mode(),
    };
    let mut printed = Vec::new();
    for job in &jobs {
        let done = upload_file(&client, job, &options).await?;
        let build_id = &done.answer.build_id;
        if args.client.json {
            printed.push(as_json(&client, &done).await?);
        } else {
            println!("{build_id}");
        }
    }
    if args.client.json {
        match <[Value; 1]>::try_from(printed) {
            Ok([one]) => print_json(&one)?,
            Err(several) => print_json(&several)?,
        }
    }
    Ok(())
}

/// Uploads one file with the upload's defaults (resume, retries, parallel
/// parts, progress on standard error) and returns the build id: `playtest
/// run --build`. A file that cannot be uploaded is a [`Usage`] error.
pub async fn upload_build(
    client: &Client,
    path: &Path,
    name: &str,
    platform: BuildPlatform,
) -> anyhow::Result<String> {
    let size = check_build_file(path)?;
    let file_name = upload::file_name(path);
    let absolute = std::path::absolute(path)?;
    let job = Job {
        label: path.display().to_string(),
        request: InitiateUploadRequest {
            project_id: None,
            name: name.to_string(),
            file_name,
            file_size: size as i64,
            platform,
            description: None,
            multipart: None,
            auto_delete: false,
            deletion_policy: DeletionPolicy::LeastRecent,
            upload_timeout: None,
            tags: Vec::new(),
            details: Some(build_details(&absolute)),
        },
        path: absolute,
    };
    let options = Options {
        parallel: usize::from(DEFAULT_PARALLEL),
        backoff: Backoff::new(DEFAULT_RETRIES),
        state_dir: upload_state_dir(),
        resume: true,
        progress: progress_mode(),
    };
    Ok(upload_file(client, &job, &options).await?.answer.build_id)
}

/// The size of a build file, or why it cannot be uploaded (a [`Usage`]
/// error: the caller named the wrong file).
pub fn check_build_file(path: &Path) -> anyhow::Result<u64> {
    upload::check_file(path).map_err(|err| Usage(format!("{err:#}")).into())
}

/// One job per file, or the first reason a file cannot be uploaded.
fn plan_jobs(args: &UploadArgs) -> anyhow::Result<Vec<Job>> {
    let name = args.name.trim();
    if name.is_empty() {
        bail!("--name must not be empty");
    }
    let files = upload::expand(&args.files)?;
    let several = files.len() > 1;
    let tags: Vec<String> = args
        .tags
        .iter()
        .map(|tag| tag.trim().to_string())
        .filter(|tag| !tag.is_empty())
        .collect();
    let mut jobs = Vec::new();
    for path in files {
        let size = upload::check_file(&path)?;
        let file_name = upload::file_name(&path);
        let platform = match args.platform {
            Some(platform) => platform,
            None => upload::guess_platform(&file_name).map_err(|reason| anyhow!(reason))?,
        };
        let absolute = std::path::absolute(&path)?;
        let request = InitiateUploadRequest {
            project_id: None,
            name: upload::build_name(name, &file_name, several),
            file_name,
            file_size: size as i64,
            platform,
            description: args.description.clone(),
            multipart: args.multipart.then_some(true),
            auto_delete: args.auto_delete,
            deletion_policy: args.deletion_policy.into(),
            upload_timeout: args.upload_timeout,
            tags: tags.clone(),
            details: Some(args.details(&absolute)),
        };
        jobs.push(Job {
            label: path.display().to_string(),
            path: absolute,
            request,
        });
    }
    Ok(jobs)
}

/// The build as the server now has it, or the complete answer when the
/// build cannot be read.
async fn as_json(client: &Client, done: &Uploaded) -> anyhow::Result<Value> {
    Ok(match client.get_build(&done.answer.build_id).await {
        Ok(build) => serde_json::to_value(build)?,
        Err(_) => serde_json::to_value(&done.answer)?,
    })
}
