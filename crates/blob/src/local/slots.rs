//! Who may write an upload's `data` file, kept in memory: the fences that
//! stop concurrent PUTs of one part, a complete and an abort from mixing
//! their bytes, and the SHA-256 of the upload's first parts, computed in the
//! background as they arrive so that a complete only hashes what is left.
//!
//! Every positioned write of a part (and every read of the background hash)
//! runs under `io.read()`, after checking that its PUT still owns the
//! part's slot. A newer PUT of the same part takes the slot, and a complete
//! or an abort seals the upload, under `io.write()`, which waits for the
//! writes in progress. So once a slot is taken or the upload sealed, the
//! older writer's bytes never land again: that PUT fails (its client
//! re-sends, or a newer PUT replaced it anyway), the part's record always
//! describes what is in its slot, and a complete reads bytes that nothing
//! else writes. A local store has one process, so this is enough; after a
//! restart nothing is in flight, and a complete hashes the whole file.
//!
//! The background hash follows the parts in order: once parts 1..N-1 are
//! hashed, a blocking task reads back what part N's PUT has written so far
//! (from the page cache, just written), keeps up with it, and once the
//! part's record is written keeps the digest state after it. With parts
//! sent in parallel, the parts after N are already written when it gets to
//! them, and it reads them at SHA-256's pace. A new PUT of part N drops
//! the states from part N on.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use bytes::Bytes;
use sha2::{Digest, Sha256};

use super::hashing::HASH_BUFFER;

/// How long the background hash, caught up with a part's PUT, waits for
/// more of it before its task ends (the next write starts another).
const IDLE: Duration = Duration::from_millis(20);

/// The uploads that PUTs, completes or the background hash have touched
/// since the store opened, until they are completed or aborted.
#[derive(Default)]
pub(crate) struct Slots {
    uploads: Mutex<HashMap<String, Arc<UploadSlots>>>,
}

impl Slots {
    /// The in-memory state of an upload (created on first use). Call with
    /// a checked upload id whose folder exists.
    pub(crate) fn upload(
        &self,
        upload_id: &str,
        part_size: u64,
        data: PathBuf,
    ) -> Arc<UploadSlots> {
        lock(&self.uploads)
            .entry(upload_id.to_string())
            .or_insert_with(|| {
                Arc::new(UploadSlots {
                    io: RwLock::new(()),
                    state: Mutex::new(State::default()),
                    written: Condvar::new(),
                    part_size,
                    data,
                    buffer: Mutex::default(),
                })
            })
            .clone()
    }

    /// Forgets a completed or aborted upload. Writers still holding it find
    /// it sealed. Blocking: waits for the writes in progress.
    pub(crate) fn forget(&self, upload_id: &str) {
        let removed = lock(&self.uploads).remove(upload_id);
        if let Some(upload) = removed {
            upload.seal();
        }
    }
}

pub(crate) struct UploadSlots {
    /// Read-held by each write or background read, write-held to change who
    /// may write (see the module doc).
    io: RwLock<()>,
    state: Mutex<State>,
    /// Told when a part's PUT has written more, or its record is written.
    written: Condvar,
    part_size: u64,
    /// The upload's data file, for the background hash.
    data: PathBuf,
    /// The background hash's read buffer, kept between its tasks.
    buffer: Mutex<Vec<u8>>,
}

#[derive(Default)]
struct State {
    next_ticket: u64,
    /// Part number -> the ticket of the PUT that owns its slot.
    owners: HashMap<u32, u64>,
    /// Part number -> how far from its slot's start the PUT that owns it
    /// has written.
    progress: HashMap<u32, Progress>,
    /// The parts whose record this process wrote and no PUT replaced since.
    recorded: HashMap<u32, Progress>,
    /// `hashed[i]`: the digest state after parts 1..=i+1.
    hashed: Vec<Prefix>,
    /// The digest state within the part after them, as far as it is hashed.
    partial: Option<Partial>,
    /// A background hash task is running.
    hashing: bool,
    /// A complete or an abort is under way (or done): nothing writes.
    sealed: bool,
}

/// Bytes of a part written by the PUT holding `ticket`.
#[derive(Clone, Copy)]
struct Progress {
    ticket: u64,
    bytes: u64,
}

struct Partial {
    part: u32,
    ticket: u64,
    done: u64,
    sha256: Sha256,
}

/// The SHA-256 of the first bytes of an upload.
#[derive(Clone, Default)]
pub(crate) struct Prefix {
    /// The whole parts it covers.
    pub parts: u32,
    /// The bytes it covers: those parts', and possibly the first bytes of
    /// the next part.
    pub bytes: u64,
    pub sha256: Sha256,
}

/// Bytes for the background hash to read: `from..to` of part `part`'s slot,
/// continuing `sha256`.
struct Work {
    part: u32,
    ticket: u64,
    from: u64,
    to: u64,
    sha256: Sha256,
}

impl State {
    fn owns(&self, part: u32, ticket: u64) -> bool {
        !self.sealed && self.owners.get(&part) == Some(&ticket)
    }

    /// What the background hash can do next, moving the hashed parts on
    /// where a part's record shows it whole.
    fn next_work(&mut self, part_size: u64) -> Option<Work> {
        loop {
            if self.sealed {
                return None;
            }
            let (parts, bytes) = self.hashed.last().map_or((0, 0), |p| (p.parts, p.bytes));
            if bytes != u64::from(parts) * part_size {
                return None; // a short part ended the object
            }
            let part = parts + 1;
            let ticket = *self.owners.get(&part)?;
            let of_owner = |progress: &&Progress| progress.ticket == ticket;
            let recorded = self.recorded.get(&part).filter(of_owner).map(|r| r.bytes);
            let written = self.progress.get(&part).filter(of_owner).map(|p| p.bytes);
            let partial = match self.partial.take() {
                Some(partial) if partial.part == part && partial.ticket == ticket => partial,
                _ => Partial {
                    part,
                    ticket,
                    done: 0,
                    sha256: self
                        .hashed
                        .last()
                        .map(|p| p.sha256.clone())
                        .unwrap_or_default(),
                },
            };
            if recorded == Some(partial.done) {
                self.hashed.push(Prefix {
                    parts: part,
                    bytes: bytes + partial.done,
                    sha256: partial.sha256,
                });
                continue;
            }
            let to = recorded.or(written).unwrap_or(0);
            let work = (partial.done < to).then(|| Work {
                part,
                ticket,
                from: partial.done,
                to,
                sha256: partial.sha256.clone(),
            });
            self.partial = Some(partial);
            return work;
        }
    }

    /// The background hash read `from..to` of `part` into `sha256`: keeps
    /// it, unless the part changed hands meanwhile (then `false`).
    fn hashed_up_to(
        &mut self,
        part: u32,
        ticket: u64,
        from: u64,
        to: u64,
        sha256: &Sha256,
    ) -> bool {
        match &mut self.partial {
            Some(partial)
                if partial.part == part
                    && partial.ticket == ticket
                    && partial.done == from
                    && !self.sealed =>
            {
                partial.done = to;
                partial.sha256 = sha256.clone();
                true
            }
            _ => false,
        }
    }
}

impl UploadSlots {
    /// Gives part `part`'s slot to a new PUT: earlier PUTs of the part write
    /// no more, its record (if any) no longer counts, and the background
    /// hash forgets it and the parts after it. Blocking: waits for the
    /// writes in progress.
    pub(crate) fn take_slot(self: &Arc<Self>, part: u32) -> Lease {
        let _io = write(&self.io);
        let mut state = lock(&self.state);
        state.next_ticket += 1;
        let ticket = state.next_ticket;
        state.owners.insert(part, ticket);
        state.progress.remove(&part);
        state.recorded.remove(&part);
        state.hashed.truncate(part as usize - 1);
        if state.partial.as_ref().is_some_and(|p| p.part >= part) {
            state.partial = None;
        }
        Lease {
            upload: self.clone(),
            part,
            ticket,
        }
    }

    /// Stops every writer and the background hash for a complete of parts
    /// 1..=`parts` (forgetting any part after them), and returns what is
    /// hashed of those parts. Blocking: waits for the writes in progress.
    ///
    /// The PUTs still arriving (parts without a record: the complete checked
    /// that 1..=`parts` have theirs) lose their slots for good, even if the
    /// complete fails and [`UploadSlots::unseal`]s: it may have cut their
    /// bytes off already.
    pub(crate) fn seal_for_complete(&self, parts: u32) -> Prefix {
        let _io = write(&self.io);
        let mut state = lock(&self.state);
        state.sealed = true;
        state.recorded.retain(|&number, _| number <= parts);
        let State {
            owners, recorded, ..
        } = &mut *state;
        owners.retain(|number, ticket| recorded.get(number).is_some_and(|r| r.ticket == *ticket));
        state.hashed.truncate(parts as usize);
        let whole = state.hashed.last().cloned().unwrap_or_default();
        match &state.partial {
            Some(partial)
                if partial.part == whole.parts + 1
                    && state
                        .recorded
                        .get(&partial.part)
                        .is_some_and(|r| r.ticket == partial.ticket && r.bytes >= partial.done) =>
            {
                Prefix {
                    parts: whole.parts,
                    bytes: whole.bytes + partial.done,
                    sha256: partial.sha256.clone(),
                }
            }
            _ => whole,
        }
    }

    /// Lets PUTs write again after a complete that failed before its
    /// rename. Writers that the seal stopped have failed already.
    pub(crate) fn unseal(&self) {
        lock(&self.state).sealed = false;
    }

    /// How many parts the background hash covers.
    #[cfg(test)]
    pub(crate) fn hashed_parts(&self) -> u32 {
        lock(&self.state).hashed.len() as u32
    }

    fn seal(&self) {
        let _io = write(&self.io);
        lock(&self.state).sealed = true;
    }

    /// Starts the background hash if it is not running and has work.
    fn kick(self: &Arc<Self>) {
        {
            let mut state = lock(&self.state);
            if state.hashing || state.next_work(self.part_size).is_none() {
                return;
            }
            state.hashing = true;
        }
        let upload = self.clone();
        tokio::task::spawn_blocking(move || {
            if let Err(err) = upload.hash_in_order() {
                lock(&upload.state).hashing = false;
                // Harmless: a complete hashes what is not hashed here.
                tracing::debug!(error = %err, data = %upload.data.display(), "background hash stopped");
            }
        });
    }

    /// Hashes the parts in order as far as they are written, waiting a
    /// little for more; ends (clearing `hashing`) when there is none.
    /// Blocking.
    fn hash_in_order(&self) -> io::Result<()> {
        let file = File::open(&self.data)?;
        // One buffer per upload, not per task: a task starts each time the
        // hash has caught up and more arrives, and a fresh megabyte on
        // another pool thread each time made the server's peak memory grow
        // with the file (2 GiB upload: 44 MiB peak with this, up to 55).
        let mut buffer = std::mem::take(&mut *lock(&self.buffer));
        buffer.resize(HASH_BUFFER, 0);
        let result = self.hash_with(&file, &mut buffer);
        *lock(&self.buffer) = buffer;
        result
    }

    fn hash_with(&self, file: &File, buffer: &mut [u8]) -> io::Result<()> {
        loop {
            let work = {
                let mut state = lock(&self.state);
                let mut waited = false;
                loop {
                    if let Some(work) = state.next_work(self.part_size) {
                        break work;
                    }
                    if waited {
                        state.hashing = false;
                        return Ok(());
                    }
                    state = self
                        .written
                        .wait_timeout(state, IDLE)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0;
                    waited = true;
                }
            };
            let Work {
                part,
                ticket,
                from,
                to,
                mut sha256,
            } = work;
            let offset = u64::from(part - 1) * self.part_size;
            let mut done = from;
            while done < to {
                let len = (to - done).min(buffer.len() as u64) as usize;
                {
                    let _io = read(&self.io);
                    if !lock(&self.state).owns(part, ticket) {
                        break; // sent again meanwhile, or sealed
                    }
                    file.read_exact_at(&mut buffer[..len], offset + done)?;
                }
                sha256.update(&buffer[..len]);
                let kept =
                    lock(&self.state).hashed_up_to(part, ticket, done, done + len as u64, &sha256);
                if !kept {
                    break;
                }
                done += len as u64;
            }
        }
    }
}

/// A PUT's hold on a part's slot, until a newer PUT of the part takes it or
/// the upload is sealed.
#[derive(Clone)]
pub(crate) struct Lease {
    upload: Arc<UploadSlots>,
    part: u32,
    ticket: u64,
}

impl Lease {
    /// Writes `chunks` one after the other from `offset`, unless the slot
    /// was taken or the upload sealed (then `Ok(false)`, nothing written).
    /// Blocking.
    pub(crate) fn write_at(&self, file: &File, offset: u64, chunks: &[Bytes]) -> io::Result<bool> {
        let _io = read(&self.upload.io);
        if !lock(&self.upload.state).owns(self.part, self.ticket) {
            return Ok(false);
        }
        let mut at = offset;
        for chunk in chunks {
            file.write_all_at(chunk, at)?;
            at += chunk.len() as u64;
        }
        Ok(true)
    }

    /// Whether this PUT still owns its slot.
    pub(crate) fn is_current(&self) -> bool {
        lock(&self.upload.state).owns(self.part, self.ticket)
    }

    /// Notes that the PUT has written `bytes` from its slot's start: the
    /// background hash may read them.
    pub(crate) fn wrote(&self, bytes: u64) {
        let mut state = lock(&self.upload.state);
        if state.owns(self.part, self.ticket) {
            let progress = Progress {
                ticket: self.ticket,
                bytes,
            };
            state.progress.insert(self.part, progress);
        }
        drop(state);
        self.upload.written.notify_all();
        self.upload.kick();
    }

    /// Its record is written (call under the upload's lock, when
    /// [`Lease::is_current`]): the part is whole, `size` bytes.
    pub(crate) fn recorded(&self, size: u64) {
        let progress = Progress {
            ticket: self.ticket,
            bytes: size,
        };
        lock(&self.upload.state)
            .recorded
            .insert(self.part, progress);
        self.upload.written.notify_all();
        self.upload.kick();
    }
}

/// Locks; a panic elsewhere while holding a lock leaves consistent state
/// here (every update is a single assignment), so poisoning is ignored.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn read(rw: &RwLock<()>) -> std::sync::RwLockReadGuard<'_, ()> {
    rw.read().unwrap_or_else(PoisonError::into_inner)
}

fn write(rw: &RwLock<()>) -> std::sync::RwLockWriteGuard<'_, ()> {
    rw.write().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(dir: &tempfile::TempDir) -> (File, Arc<UploadSlots>) {
        let data = dir.path().join("data");
        let file = File::create_new(&data).unwrap();
        (file, Slots::default().upload("u", 4, data))
    }

    #[test]
    fn a_newer_put_of_a_part_stops_the_older_one_and_a_seal_stops_all() {
        let dir = tempfile::tempdir().unwrap();
        let (file, upload) = upload(&dir);
        let older = upload.take_slot(1);
        let other = upload.take_slot(2);
        let newer = upload.take_slot(1);
        let chunk = [Bytes::from_static(b"new!")];
        assert!(
            !older
                .write_at(&file, 0, &[Bytes::from_static(b"old!")])
                .unwrap()
        );
        assert!(newer.write_at(&file, 0, &chunk).unwrap());
        assert!(other.write_at(&file, 4, &chunk).unwrap());
        assert!(!older.is_current() && newer.is_current());

        upload.seal_for_complete(2);
        assert!(!newer.write_at(&file, 0, &chunk).unwrap());
        assert!(!other.is_current());
        // A complete that failed lets new PUTs in, not those it stopped.
        upload.unseal();
        assert!(!newer.write_at(&file, 0, &chunk).unwrap());
        let again = upload.take_slot(1);
        assert!(
            again
                .write_at(&file, 0, &[Bytes::from_static(b"agn!")])
                .unwrap()
        );
        assert_eq!(std::fs::read(dir.path().join("data")).unwrap(), b"agn!new!");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn whatever_the_background_hash_got_to_when_sealed_is_the_digest_of_that_prefix() {
        const MIB: usize = 1 << 20;
        let bytes: Vec<u8> = (0..11 * MIB).map(|i| (i * 7 % 251) as u8).collect();
        for pause_ms in [0, 1, 5, 20, 200] {
            let dir = tempfile::tempdir().unwrap();
            let data = dir.path().join("data");
            let file = File::create_new(&data).unwrap();
            let slots = Slots::default();
            let upload = slots.upload("u", 8 * MIB as u64, data);
            for (part, range) in [(1, 0..8 * MIB), (2, 8 * MIB..11 * MIB)] {
                let lease = upload.take_slot(part);
                let start = range.start;
                for at in range.clone().step_by(MIB) {
                    let chunk = Bytes::copy_from_slice(&bytes[at..at + MIB]);
                    assert!(lease.write_at(&file, at as u64, &[chunk]).unwrap());
                    lease.wrote((at + MIB - start) as u64);
                }
                lease.recorded(range.len() as u64);
            }
            tokio::time::sleep(Duration::from_millis(pause_ms)).await;
            let prefix = upload.seal_for_complete(2);
            let mut sha256 = prefix.sha256;
            sha256.update(&bytes[prefix.bytes as usize..]);
            assert_eq!(
                sha256.finalize(),
                Sha256::digest(&bytes),
                "after {pause_ms} ms, {} parts and {} bytes hashed",
                prefix.parts,
                prefix.bytes
            );
        }
    }

    #[test]
    fn a_forgotten_upload_stays_sealed_for_those_still_holding_it() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let file = File::create_new(&data).unwrap();
        let slots = Slots::default();
        let lease = slots.upload("u", 4, data.clone()).take_slot(1);
        slots.forget("u");
        assert!(
            !lease
                .write_at(&file, 0, &[Bytes::from_static(b"late")])
                .unwrap()
        );
        // A later use of the id starts afresh.
        let fresh = slots.upload("u", 4, data).take_slot(1);
        assert!(fresh.is_current());
    }
}
