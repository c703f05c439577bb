//! The upload of one file, start to finish: initiate (or pick up the saved
//! state of an interrupted upload of the same file), send the bytes, and
//! complete.
//!
//! Multipart uploads send `--parallel` parts at a time ([`super::parts`]),
//! each streamed from its range of the file. A request failing on a 429, a 5xx or the network
//! is retried with backoff ([`super::retry`]); a part URL refused with 403
//! (expired) is renewed; a 404 means the server no longer has the upload,
//! and it is started over, once. Every accepted part is written to the
//! state file, so a run that is killed, or gives up, is resumed by the next
//! run on the same file: only the missing parts are sent.

use std::path::PathBuf;

use anyhow::anyhow;
use futures::StreamExt;
use playtest_client::{Client, Error as ClientError, FileRange};
use playtest_types::{
    BuildStatus, CancelUploadQuery, CompleteUploadRequest, CompleteUploadResponse,
    InitiateUploadRequest, InitiateUploadResponse, UploadedPart,
};

use super::parts::{PartUrls, Parts, put_counted};
use super::retry::{Backoff, retry_note, retrying};
use super::state::{FileStamp, Kind, Params, StateFile, UploadState};
use crate::commands::progress::Progress;
use crate::config::ProgressMode;
use crate::failure::Resumable;

/// One file to upload.
#[derive(Debug, Clone)]
pub struct Job {
    /// Absolute, so that the state file names the same file from any folder.
    pub path: PathBuf,
    /// How the file is named in messages.
    pub label: String,
    pub request: InitiateUploadRequest,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub parallel: usize,
    pub backoff: Backoff,
    /// Where resume state is kept; `None`: no resume.
    pub state_dir: Option<PathBuf>,
    /// Whether a saved upload of the same file is resumed.
    pub resume: bool,
    pub progress: ProgressMode,
}

/// A finished upload.
#[derive(Debug, Clone)]
pub struct Uploaded {
    pub answer: CompleteUploadResponse,
    /// `<size> in <time> (<rate>)`.
    pub summary: String,
}

/// Why an attempt at the upload stopped.
pub enum Failure {
    /// The server no longer has the upload (expired, cancelled): start over.
    Gone(String),
    /// Stopped; the saved state lets the next run resume.
    Interrupted(anyhow::Error),
    /// Resuming would not help: the upload is given up.
    Fatal(anyhow::Error),
}

impl Failure {
    /// The failure a client error during a multipart upload stands for.
    pub fn of(err: ClientError, what: &str) -> Failure {
        let status = err.status();
        let err = anyhow::Error::from(err).context(what.to_string());
        match status {
            Some(404) => Failure::Gone(format!("{err:#}")),
            _ if is_temporary(&err) => Failure::Interrupted(err),
            _ => Failure::Fatal(err),
        }
    }
}

/// Whether the client error under `err` could go away by itself.
fn is_temporary(err: &anyhow::Error) -> bool {
    err.chain()
        .find_map(|cause| cause.downcast_ref::<ClientError>())
        .is_some_and(|err| err.is_retryable() || err.status() == Some(401))
}

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
        let mut attempt = Attempt {
            client,
            job,
            options,
            stamp,
            state_file: state_file.as_ref(),
            state: None,
        };
        let resumable = saved.take().and_then(|state| {
            let fits = options.resume
                && state.resumes(&params)
                && matches!(state.kind, Kind::Multipart { .. });
            if fits {
                Some(state)
            } else {
                attempt.state = Some(state);
                None
            }
        });
        if let Some(stale) = attempt.state.take() {
            // Started with other parameters, single-part, or --no-resume:
            // give the old upload back so it frees its reserved space.
            cancel_quietly(client, &stale).await;
            attempt.forget();
        }
        let result = match resumable {
            Some(state) => attempt.resume(state).await,
            None => attempt.start().await,
        };
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
                let saved = state_file.is_some()
                    && attempt
                        .state
                        .as_ref()
                        .is_some_and(|state| matches!(state.kind, Kind::Multipart { .. }));
                return Err(if saved {
                    err.context(Resumable {
                        file: job.label.clone(),
                    })
                } else {
                    err
                });
            }
            Err(Failure::Fatal(err)) => {
                if let Some(state) = &attempt.state {
                    cancel_quietly(client, state).await;
                }
                attempt.forget();
                return Err(err);
            }
        }
    }
}

/// Cancels an upload, ignoring failures: the server expires it anyway.
async fn cancel_quietly(client: &Client, state: &UploadState) {
    let upload_id = match &state.kind {
        Kind::Multipart { upload_id, .. } => Some(upload_id.clone()),
        Kind::SinglePart => None,
    };
    let query = CancelUploadQuery {
        build_id: state.build_id.clone(),
        object_key: state.object_key.clone(),
        upload_id,
    };
    let _ = client.cancel_upload(&query).await;
}

/// One try at the upload, holding the upload's state as it goes.
struct Attempt<'a> {
    client: &'a Client,
    job: &'a Job,
    options: &'a Options,
    stamp: FileStamp,
    state_file: Option<&'a StateFile>,
    state: Option<UploadState>,
}

impl Attempt<'_> {
    fn size(&self) -> u64 {
        self.stamp.size
    }

    fn progress(&self, initial: u64) -> Progress {
        Progress::new(
            self.options.progress,
            "uploaded",
            &self.job.label,
            self.size(),
            initial,
        )
    }

    /// Writes the state; a failure to write only costs the resume.
    fn save(&self, progress: &Progress) {
        if let (Some(file), Some(state)) = (self.state_file, &self.state)
            && let Err(err) = file.save(state)
        {
            progress.note(&format!(
                "warning: {err:#}; an interruption could not be resumed"
            ));
        }
    }

    fn forget(&mut self) {
        if let Some(file) = self.state_file {
            file.remove();
        }
        self.state = None;
    }

    async fn start(&mut self) -> Result<Uploaded, Failure> {
        let request = &self.job.request;
        let answer = retrying(
            &self.options.backoff,
            &Progress::notes_only(),
            "starting the upload",
            || self.client.initiate_upload(request),
        )
        .await
        .map_err(|err| Failure::Fatal(err.into()))?;
        let progress = self.progress(0);
        let params = Params::of(request);
        let new_state = |build_id: &str, object_key: &str, kind| {
            UploadState::new(
                self.client.api_root().as_str(),
                &self.job.path,
                self.stamp,
                params.clone(),
                build_id.to_string(),
                object_key.to_string(),
                kind,
            )
        };
        match answer {
            InitiateUploadResponse::SinglePart {
                build_id,
                upload_url,
                object_key,
            } => {
                self.state = Some(new_state(&build_id, &object_key, Kind::SinglePart));
                self.save(&progress);
                self.send_whole(&upload_url, &progress).await?;
                let request = CompleteUploadRequest {
                    build_id,
                    upload_id: None,
                    object_key: Some(object_key),
                    parts: None,
                };
                self.complete(&request, &progress).await
            }
            InitiateUploadResponse::Multipart {
                build_id,
                upload_id,
                object_key,
                total_parts,
                part_size,
            } => {
                let (part_size, total_parts) = check_plan(self.size(), part_size, total_parts)?;
                let kind = Kind::Multipart {
                    upload_id,
                    part_size,
                    total_parts,
                    done: Default::default(),
                };
                self.state = Some(new_state(&build_id, &object_key, kind));
                self.send_parts(progress).await
            }
        }
    }

    async fn resume(&mut self, state: UploadState) -> Result<Uploaded, Failure> {
        let build_id = state.build_id.clone();
        if let Kind::Multipart {
            total_parts, done, ..
        } = &state.kind
        {
            eprintln!(
                "resuming the upload of {} (build {build_id}): {} of {total_parts} parts already sent",
                self.job.label,
                done.len()
            );
        }
        let progress = self.progress(state.bytes_done());
        self.state = Some(state);
        // The last run may have completed it and died before saying so.
        if let Ok(build) = self.client.get_build(&build_id).await
            && build.status == BuildStatus::Ready
        {
            progress.finish();
            return Ok(Uploaded {
                answer: CompleteUploadResponse {
                    status: "completed".into(),
                    build_id,
                },
                summary: "already complete".into(),
            });
        }
        self.send_parts(progress).await
    }

    /// A single-part upload: the whole file to one URL. That URL cannot be
    /// renewed, so a 403 or 404 starts the upload over.
    async fn send_whole(&self, url: &str, progress: &Progress) -> Result<(), Failure> {
        let range = FileRange {
            path: self.job.path.clone(),
            offset: 0,
            len: self.size(),
        };
        let backoff = &self.options.backoff;
        let mut attempt = 0;
        loop {
            let result = put_counted(self.client, url, &range, progress).await;
            match result {
                Ok(_etag) => return Ok(()),
                Err(err) if matches!(err.status(), Some(403 | 404)) => {
                    return Err(Failure::Gone(format!("the upload URL was refused: {err}")));
                }
                Err(err) if err.is_retryable() && attempt < backoff.retries => {
                    let wait = backoff.delay_now(attempt, err.retry_after());
                    progress.note(&retry_note(
                        "the upload",
                        &err,
                        wait,
                        attempt,
                        backoff.retries,
                    ));
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(err) => {
                    progress.abandon();
                    return Err(Failure::Fatal(
                        anyhow::Error::from(err).context("uploading the file"),
                    ));
                }
            }
        }
    }

    /// Sends the parts not sent yet, `--parallel` at a time, then completes.
    async fn send_parts(&mut self, progress: Progress) -> Result<Uploaded, Failure> {
        let state = self
            .state
            .as_ref()
            .expect("a multipart upload has its state");
        let Kind::Multipart {
            upload_id,
            part_size,
            total_parts,
            done,
        } = &state.kind
        else {
            unreachable!("send_parts is only called for multipart uploads");
        };
        let pending: Vec<u64> = (1..=*total_parts)
            .filter(|n| !done.contains_key(n))
            .collect();
        let parts = Parts {
            client: self.client,
            path: self.job.path.clone(),
            size: self.size(),
            part_size: *part_size,
            backoff: self.options.backoff,
            progress: progress.clone(),
            urls: PartUrls::new(upload_id, &state.object_key, pending.clone()),
        };
        self.save(&progress);
        let mut sent = futures::stream::iter(pending)
            .map(|number| parts.send(number))
            .buffer_unordered(self.options.parallel);
        while let Some(result) = sent.next().await {
            let (number, etag) = result.inspect_err(|_| progress.abandon())?;
            if let Some(UploadState {
                kind: Kind::Multipart { done, .. },
                ..
            }) = &mut self.state
            {
                done.insert(number, etag);
            }
            self.save(&progress);
        }
        drop(sent);
        self.check_unchanged(&progress)?;
        let state = self.state.as_ref().expect("still there");
        let Kind::Multipart {
            upload_id, done, ..
        } = &state.kind
        else {
            unreachable!();
        };
        let request = CompleteUploadRequest {
            build_id: state.build_id.clone(),
            upload_id: Some(upload_id.clone()),
            object_key: Some(state.object_key.clone()),
            parts: Some(
                done.iter()
                    .map(|(&number, etag)| UploadedPart {
                        part_number: number as i64,
                        etag: etag.clone(),
                    })
                    .collect(),
            ),
        };
        self.complete(&request, &progress).await
    }

    /// Fails if the file changed since the upload started: its parts would
    /// not make one consistent file.
    fn check_unchanged(&self, progress: &Progress) -> Result<(), Failure> {
        let now = FileStamp::read(&self.job.path).map_err(Failure::Fatal)?;
        if now != self.stamp {
            progress.abandon();
            return Err(Failure::Fatal(anyhow!(
                "{} changed during the upload; run the command again to upload it as it is now",
                self.job.label
            )));
        }
        Ok(())
    }

    async fn complete(
        &self,
        request: &CompleteUploadRequest,
        progress: &Progress,
    ) -> Result<Uploaded, Failure> {
        let result = retrying(
            &self.options.backoff,
            progress,
            "completing the upload",
            || self.client.complete_upload(request),
        )
        .await;
        let answer = match result {
            Ok(answer) => answer,
            Err(err) => {
                // A complete whose answer was lost may have gone through.
                if let Ok(build) = self.client.get_build(&request.build_id).await
                    && build.status == BuildStatus::Ready
                {
                    return Ok(Uploaded {
                        answer: CompleteUploadResponse {
                            status: "completed".into(),
                            build_id: build.id,
                        },
                        summary: progress.finish(),
                    });
                }
                progress.abandon();
                return Err(Failure::of(err, "completing the upload"));
            }
        };
        Ok(Uploaded {
            answer,
            summary: progress.finish(),
        })
    }
}

/// Checks the server's part plan against the file: `(part_size, parts)`.
fn check_plan(size: u64, part_size: i64, total_parts: i64) -> Result<(u64, u64), Failure> {
    let fits =
        part_size > 0 && total_parts > 0 && (size).div_ceil(part_size as u64) == total_parts as u64;
    if fits {
        Ok((part_size as u64, total_parts as u64))
    } else {
        Err(Failure::Fatal(anyhow!(
            "the server planned {total_parts} parts of {part_size} bytes, which does not fit a file of {size} bytes"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_part_plan_must_cover_the_file_exactly() {
        assert_eq!(check_plan(250, 100, 3).ok(), Some((100, 3)));
        assert_eq!(check_plan(300, 100, 3).ok(), Some((100, 3)));
        for (size, part_size, parts) in [
            (250, 100, 2),
            (250, 100, 4),
            (250, 0, 3),
            (250, -1, 3),
            (250, 100, 0),
        ] {
            assert!(
                check_plan(size, part_size, parts).is_err(),
                "{size} {part_size} {parts}"
            );
        }
    }

    #[test]
    fn a_404_means_gone_a_5xx_means_interrupted_and_a_400_is_fatal() {
        let storage = |status| ClientError::Storage {
            status,
            code: None,
            message: "x".into(),
            retry_after: None,
        };
        assert!(matches!(Failure::of(storage(404), "x"), Failure::Gone(_)));
        assert!(matches!(
            Failure::of(storage(503), "x"),
            Failure::Interrupted(_)
        ));
        assert!(matches!(Failure::of(storage(400), "x"), Failure::Fatal(_)));
    }
}
