//! Helpers of the suite: archives with any entry (even ones the `tar` and
//! `zip` writers would refuse to write), a file server that counts its
//! requests, and a look at the host's processes.

use std::collections::HashMap;
use std::io::{Cursor, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::routing::get;
use sha2::{Digest, Sha256};
use tar::{EntryType, Header};
use url::Url;
use zip::write::SimpleFileOptions;

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Writes a file with a mode.
pub fn write_file(path: &Path, content: &[u8], mode: u32) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, content).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

pub fn mode_of(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

/// One tar entry, written raw: the name and link target go into the
/// header as they are, `..` and absolute paths included.
pub struct TarEntry<'a> {
    pub name: &'a str,
    pub kind: EntryType,
    pub mode: u32,
    pub content: &'a [u8],
    pub link: Option<&'a str>,
}

impl<'a> TarEntry<'a> {
    pub fn file(name: &'a str, content: &'a [u8], mode: u32) -> Self {
        TarEntry {
            name,
            kind: EntryType::Regular,
            mode,
            content,
            link: None,
        }
    }

    pub fn dir(name: &'a str) -> Self {
        TarEntry {
            name,
            kind: EntryType::Directory,
            mode: 0o755,
            content: b"",
            link: None,
        }
    }

    pub fn symlink(name: &'a str, target: &'a str) -> Self {
        TarEntry {
            name,
            kind: EntryType::Symlink,
            mode: 0o777,
            content: b"",
            link: Some(target),
        }
    }

    pub fn hard_link(name: &'a str, target: &'a str) -> Self {
        TarEntry {
            kind: EntryType::Link,
            ..TarEntry::symlink(name, target)
        }
    }

    pub fn special(name: &'a str, kind: EntryType) -> Self {
        TarEntry {
            name,
            kind,
            mode: 0o644,
            content: b"",
            link: None,
        }
    }
}

pub fn raw_header(name: &str, kind: EntryType, mode: u32, size: u64, link: Option<&str>) -> Header {
    let mut header = Header::new_gnu();
    {
        let gnu = header.as_gnu_mut().unwrap();
        gnu.name[..name.len()].copy_from_slice(name.as_bytes());
        if let Some(link) = link {
            gnu.linkname[..link.len()].copy_from_slice(link.as_bytes());
        }
    }
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(size);
    header.set_cksum();
    header
}

pub fn tar_bytes(entries: &[TarEntry<'_>]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for entry in entries {
        let header = raw_header(
            entry.name,
            entry.kind,
            entry.mode,
            entry.content.len() as u64,
            entry.link,
        );
        builder.append(&header, entry.content).unwrap();
    }
    builder.into_inner().unwrap()
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// One zip entry.
pub enum ZipEntry<'a> {
    File(&'a str, &'a [u8], u32),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
}

pub fn zip_bytes(entries: &[ZipEntry<'_>]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for entry in entries {
        match *entry {
            ZipEntry::File(name, content, mode) => {
                writer
                    .start_file(name, options.unix_permissions(mode))
                    .unwrap();
                writer.write_all(content).unwrap();
            }
            ZipEntry::Dir(name) => writer.add_directory(name, options).unwrap(),
            ZipEntry::Symlink(name, target) => writer.add_symlink(name, target, options).unwrap(),
        }
    }
    writer.finish().unwrap().into_inner()
}

/// Every path under `dir`, relative, sorted (symlinks not followed).
pub fn tree(dir: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            out.push(
                path.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            );
            if entry.file_type().unwrap().is_dir() {
                walk(root, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out.sort();
    out
}

/// An HTTP server on loopback serving fixed files at `/<name>`, counting
/// the requests it answers.
pub struct FileServer {
    pub base: Url,
    requests: Arc<AtomicUsize>,
}

impl FileServer {
    pub async fn start(files: Vec<(&str, Vec<u8>)>) -> FileServer {
        let files: HashMap<String, Vec<u8>> = files
            .into_iter()
            .map(|(name, bytes)| (name.to_owned(), bytes))
            .collect();
        let requests = Arc::new(AtomicUsize::new(0));
        let state = (Arc::new(files), requests.clone());
        let app = Router::new().route("/{name}", get(serve)).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        FileServer { base, requests }
    }

    pub fn url(&self, name: &str) -> Url {
        self.base.join(name).unwrap()
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

type ServerState = (Arc<HashMap<String, Vec<u8>>>, Arc<AtomicUsize>);

async fn serve(
    State((files, requests)): State<ServerState>,
    UrlPath(name): UrlPath<String>,
) -> Result<Vec<u8>, StatusCode> {
    requests.fetch_add(1, Ordering::SeqCst);
    files.get(&name).cloned().ok_or(StatusCode::NOT_FOUND)
}

/// Whether a process of the host has `token` in its command line.
pub fn process_with(token: &str) -> bool {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) || name == me {
            return false;
        }
        std::fs::read(entry.path().join("cmdline"))
            .map(|cmdline| String::from_utf8_lossy(&cmdline).contains(token))
            .unwrap_or(false)
    })
}

/// Waits up to `secs` for `check` to hold.
pub async fn eventually(secs: u64, mut check: impl FnMut() -> bool) -> bool {
    let until = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    while tokio::time::Instant::now() < until {
        if check() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    check()
}
