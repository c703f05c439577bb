//! One try at an upload: reserve it on the server (initiate), or take the
//! saved multipart upload being resumed, then send the bytes its kind
//! calls for and complete it.
//!
//! A single-part upload sends the whole file to one URL. A multipart one
//! sends `--parallel` parts at a time ([`super::parts`]), each streamed
//! from its range of the file, and writes every accepted part to the state
//! file. A request failing on a 429, a 5xx or the network is retried with
//! backoff ([`super::retry`]).

use anyhow::anyhow;
use futures::StreamExt;
use playtest_client::{Client, FileRange};
use playtest_types::{
    BuildStatus, CompleteUploadRequest, CompleteUploadResponse, InitiateUploadResponse,
};

use super::failure::Failure;
use super::parts::{PartSender, PartUrls, put_counted};
use super::retry::{retry_note, retrying};
use super::state::{FileStamp, Multipart, Params, SinglePart, StateFile, Upload, UploadState};
use super::{Job, Options, Uploaded};
use crate::progress::Progress;

/// What one try at the upload works with.
pub struct Attempt<'a> {
    pub client: &'a Client,
    pub job: &'a Job,
    pub options: &'a Options,
    /// The file as it was when this run started.
    pub stamp: FileStamp,
    pub state_file: Option<&'a StateFile>,
}

impl Attempt<'_> {
    /// Sends the file: resumes `resumed`, or starts a new upload. What the
    /// server reserved is left in `held`, for the caller to give back or
    /// leave to be resumed when this fails.
    pub async fn run(
        &self,
        resumed: Option<UploadState<Multipart>>,
        held: &mut Option<Upload>,
    ) -> Result<Uploaded, Failure> {
        let (upload, progress) = match resumed {
            Some(state) => {
                eprintln!(
                    "resuming the upload of {} (build {}): {} of {} parts already sent",
                    self.job.label,
                    state.build_id,
                    state.kind.done.len(),
                    state.kind.total_parts,
                );
                let progress = self.progress(state.bytes_done());
                // The last run may have completed it and died before saying so.
                if let Some(done) = self.already_complete(&state.build_id, &progress).await {
                    return Ok(done);
                }
                (Upload::Multipart(state), progress)
            }
            None => {
                let upload = self.initiate().await?;
                (upload, self.progress(0))
            }
        };
        match held.insert(upload) {
            Upload::SinglePart(state) => self.send_whole(state, &progress).await,
            Upload::Multipart(state) => self.send_parts(state, progress).await,
        }
    }

    /// Removes the state file: there is nothing (more) to resume.
    pub fn forget(&self) {
        if let Some(file) = self.state_file {
            file.remove();
        }
    }

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
    fn save(&self, state: &UploadState, progress: &Progress) {
        if let Some(file) = self.state_file
            && let Err(err) = file.save(state)
        {
            progress.note(&format!(
                "warning: {err:#}; an interruption could not be resumed"
            ));
        }
    }

    /// Asks the server for a new upload of the file.
    async fn initiate(&self) -> Result<Upload, Failure> {
        let request = &self.job.request;
        let answer = retrying(
            &self.options.backoff,
            &Progress::notes_only(),
            "starting the upload",
            || self.client.initiate_upload(request),
        )
        .await
        .map_err(|err| Failure::Fatal(err.into()))?;
        Ok(match answer {
            InitiateUploadResponse::SinglePart {
                build_id,
                upload_url,
                object_key,
            } => Upload::SinglePart(self.new_state(
                build_id,
                object_key,
                SinglePart { url: upload_url },
            )),
            InitiateUploadResponse::Multipart {
                build_id,
                upload_id,
                object_key,
                total_parts,
                part_size,
            } => {
                let (part_size, total_parts) = check_plan(self.size(), part_size, total_parts)?;
                let multipart = Multipart {
                    upload_id,
                    part_size,
                    total_parts,
                    done: Default::default(),
                };
                Upload::Multipart(self.new_state(build_id, object_key, multipart))
            }
        })
    }

    /// The state of a new upload of the file, of kind `K`.
    fn new_state<K>(&self, build_id: String, object_key: String, kind: K) -> UploadState<K> {
        UploadState::new(
            self.client.api_root().as_str(),
            &self.job.path,
            self.stamp,
            Params::of(&self.job.request),
            build_id,
            object_key,
            kind,
        )
    }

    /// The upload, done, when the server already has the build ready.
    async fn already_complete(&self, build_id: &str, progress: &Progress) -> Option<Uploaded> {
        let build = self.client.get_build(build_id).await.ok()?;
        if build.status != BuildStatus::Ready {
            return None;
        }
        progress.finish();
        Some(Uploaded {
            answer: CompleteUploadResponse {
                status: "completed".into(),
                build_id: build_id.to_string(),
            },
            summary: "already complete".into(),
        })
    }

    /// A single-part upload: the whole file to one URL, then complete. That
    /// URL cannot be renewed, so a 403 or 404 starts the upload over.
    async fn send_whole(
        &self,
        state: &UploadState<SinglePart>,
        progress: &Progress,
    ) -> Result<Uploaded, Failure> {
        self.save(&state.record(), progress);
        let range = FileRange {
            path: self.job.path.clone(),
            offset: 0,
            len: self.size(),
        };
        let backoff = &self.options.backoff;
        let mut attempt = 0;
        loop {
            let result = put_counted(self.client, &state.kind.url, &range, progress).await;
            match result {
                Ok(_etag) => break,
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
        let request = CompleteUploadRequest {
            build_id: state.build_id.clone(),
            upload_id: None,
            object_key: Some(state.object_key.clone()),
            parts: None,
        };
        self.complete(&request, progress).await
    }

    /// Sends the parts not sent yet, `--parallel` at a time, saving the
    /// state after each, then completes.
    async fn send_parts(
        &self,
        state: &mut UploadState<Multipart>,
        progress: Progress,
    ) -> Result<Uploaded, Failure> {
        let pending = state.kind.pending();
        let parts = PartSender {
            client: self.client,
            path: self.job.path.clone(),
            size: self.size(),
            part_size: state.kind.part_size,
            backoff: self.options.backoff,
            progress: progress.clone(),
            urls: PartUrls::new(&state.kind.upload_id, &state.object_key, pending.clone()),
        };
        self.save(&state.record(), &progress);
        let mut sent = futures::stream::iter(pending)
            .map(|number| parts.send(number))
            .buffer_unordered(self.options.parallel);
        while let Some(result) = sent.next().await {
            let (number, etag) = result.inspect_err(|_| progress.abandon())?;
            state.kind.done.insert(number, etag);
            self.save(&state.record(), &progress);
        }
        drop(sent);
        self.check_unchanged(&progress)?;
        let request = CompleteUploadRequest {
            build_id: state.build_id.clone(),
            upload_id: Some(state.kind.upload_id.clone()),
            object_key: Some(state.object_key.clone()),
            parts: Some(state.kind.uploaded()),
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
}
