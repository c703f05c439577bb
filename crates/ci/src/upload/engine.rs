//! The upload of one file, start to finish, and what happens when an
//! attempt at it fails: the saved state of an interrupted upload of the
//! same file is picked up (or given back when it cannot be resumed), an
//! attempt ([`super::attempt`]) sends the bytes, and its failure decides
//! what comes next. A 404 means the server no longer has the upload: it is
//! started over, once. A temporary failure leaves the state file for the
//! next run on the same file, which then sends only the missing parts. Any
//! other failure gives the upload back to the server.

use anyhow::anyhow;
use playtest_client::Client;
use playtest_types::CancelUploadQuery;

use super::attempt::Attempt;
use super::failure::Failure;
use super::state::{FileStamp, Params, Saved, StateFile, Upload, UploadState};
use super::{Job, Options, Resumable, Uploaded};

/// Uploads one file, resuming a saved upload of it when there is one.
pub async fn upload(client: &Client, job: &Job, options: &Options) -> anyhow::Result<Uploaded> {
    let stamp = FileStamp::read(&job.path)?;
    let state_file = options.state_dir.as_deref().map(|dir| {
        StateFile::prune(dir);
        StateFile::new(dir, client.api_root().as_str(), &job.path, stamp)
    });
    let mut saved = state_file.as_ref().and_then(StateFile::load);
    let params = Params::of(&job.request);
    let mut restarted = false;
    loop {
        let attempt = Attempt {
            client,
            job,
            options,
            stamp,
            state_file: state_file.as_ref(),
        };
        let found = saved.take().map(|state| {
            if options.resume {
                state.resumable_by(&params)
            } else {
                Saved::Stale(state)
            }
        });
        let resumed = match found {
            Some(Saved::Resumable(multipart)) => Some(multipart),
            Some(Saved::Stale(stale)) => {
                // Started with other parameters, single-part, or
                // --no-resume: give the old upload back so it frees its
                // reserved space.
                cancel_quietly(client, &stale).await;
                attempt.forget();
                None
            }
            None => None,
        };
        let mut held = None;
        let result = attempt.run(resumed, &mut held).await;
        match result {
            Ok(done) => {
                attempt.forget();
                return Ok(done);
            }
            Err(Failure::Gone(why)) if !restarted => {
                eprintln!(
                    "the server no longer has the upload of {} ({why}); starting over",
                    job.label
                );
                attempt.forget();
                restarted = true;
            }
            Err(Failure::Gone(why)) => {
                attempt.forget();
                return Err(anyhow!(
                    "the server dropped the upload of {} before it was complete ({why})",
                    job.label
                ));
            }
            Err(Failure::Interrupted(err)) => {
                let saved = state_file.is_some() && matches!(held, Some(Upload::Multipart(_)));
                return Err(if saved {
                    err.context(Resumable {
                        file: job.label.clone(),
                    })
                } else {
                    err
                });
            }
            Err(Failure::Fatal(err)) => {
                if let Some(upload) = &held {
                    cancel_quietly(client, &upload.record()).await;
                }
                attempt.forget();
                return Err(err);
            }
        }
    }
}

/// Cancels an upload, ignoring failures: the server expires it anyway.
async fn cancel_quietly(client: &Client, state: &UploadState) {
    let query = CancelUploadQuery {
        build_id: state.build_id.clone(),
        object_key: state.object_key.clone(),
        upload_id: state.kind.upload_id().map(str::to_string),
    };
    let _ = client.cancel_upload(&query).await;
}
