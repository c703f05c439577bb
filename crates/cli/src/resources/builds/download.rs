//! `playtest builds download`: the API's redirect is read and its signed
//! URL streamed to a file, through a temporary file beside it renamed once
//! the size and SHA-256 check out, so an interrupted download never leaves
//! a file that looks complete.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use playtest_ci::progress::Progress;
use playtest_types::Build;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::config::{DownloadArgs, progress_mode};
use crate::output::print_json;

pub async fn download(args: DownloadArgs) -> anyhow::Result<()> {
    let client = args.client.connect()?;
    let build = client.get_build(&args.id).await?;
    let target = match &args.output {
        Some(path) => path.clone(),
        None => {
            let path = PathBuf::from(safe_file_name(&build.file_name, &build.id));
            if path.exists() && !args.force {
                bail!(
                    "{} already exists; pass --force to overwrite it or -o to write elsewhere",
                    path.display()
                );
            }
            path
        }
    };
    let url = client.build_download_url(&build.id).await?;
    let mut source = client.download(&url).await?;
    let total = source
        .content_length()
        .unwrap_or(build.file_size.max(0) as u64);
    let temp = partial_path(&target);
    let mut file = std::fs::File::create(&temp)
        .with_context(|| format!("could not create {}", temp.display()))?;
    let label = target.display().to_string();
    let progress = Progress::new(progress_mode(), "downloaded", &label, total, 0);
    let mut hash = Sha256::new();
    let mut written: u64 = 0;
    let copied: anyhow::Result<()> = async {
        while let Some(chunk) = source.chunk().await? {
            file.write_all(&chunk)
                .with_context(|| format!("could not write {}", temp.display()))?;
            hash.update(&chunk);
            written += chunk.len() as u64;
            progress.add(chunk.len() as u64);
        }
        file.sync_all()
            .with_context(|| format!("could not write {}", temp.display()))?;
        Ok(())
    }
    .await;
    let checked = copied
        .and_then(|()| check_download(&build, written, &hex::encode(hash.clone().finalize())));
    if let Err(err) = checked {
        progress.abandon();
        let _ = std::fs::remove_file(&temp);
        return Err(err);
    }
    std::fs::rename(&temp, &target)
        .with_context(|| format!("could not move the download to {}", target.display()))?;
    eprintln!(
        "downloaded build {} to {}: {}",
        build.id,
        target.display(),
        progress.finish()
    );
    if args.client.json {
        return print_json(&json!({
            "build_id": build.id,
            "path": target,
            "file_size": written,
            "sha256": hex::encode(hash.finalize()),
        }));
    }
    println!("{}", target.display());
    Ok(())
}

/// The download must be the build: its size and, when the server has it,
/// its SHA-256.
fn check_download(build: &Build, written: u64, sha256: &str) -> anyhow::Result<()> {
    if build.file_size >= 0 && written != build.file_size as u64 {
        bail!(
            "the download of build {} stopped at {written} of {} bytes; try again",
            build.id,
            build.file_size
        );
    }
    match &build.sha256 {
        Some(expected) if !expected.eq_ignore_ascii_case(sha256) => bail!(
            "the download of build {} is corrupt: its SHA-256 is {sha256}, the build's is {expected}",
            build.id
        ),
        _ => Ok(()),
    }
}

/// The build's file name reduced to a name in the current folder: no
/// folders, nothing hidden, never empty.
fn safe_file_name(file_name: &str, build_id: &str) -> String {
    let base = file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or("")
        .trim()
        .trim_start_matches('.');
    if base.is_empty() {
        build_id.to_string()
    } else {
        base.to_string()
    }
}

/// `dir/game.apk` -> `dir/.game.apk.partial`.
fn partial_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "download".into());
    target.with_file_name(format!(".{name}.partial"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_file_name_cannot_escape_the_current_folder() {
        assert_eq!(safe_file_name("game.apk", "bld_1"), "game.apk");
        assert_eq!(safe_file_name("../../etc/passwd", "bld_1"), "passwd");
        assert_eq!(safe_file_name("..\\x.exe", "bld_1"), "x.exe");
        assert_eq!(safe_file_name(".hidden", "bld_1"), "hidden");
        assert_eq!(safe_file_name("dir/", "bld_1"), "bld_1");
        assert_eq!(safe_file_name("..", "bld_1"), "bld_1");
    }

    #[test]
    fn the_partial_file_sits_hidden_beside_the_target() {
        assert_eq!(
            partial_path(Path::new("out/game.apk")),
            PathBuf::from("out/.game.apk.partial")
        );
    }
}
