//! The build cache against a real HTTP server on loopback that counts its
//! requests.

use std::path::Path;

use playtest_worker::{BuildCache, BuildCacheError, BuildToFetch, UnpackError};

use crate::support::{
    FileServer, TarEntry, ZipEntry, gzip, mode_of, sha256_hex, tar_bytes, tree, zip_bytes,
};

fn build_of(server: &FileServer, file_name: &str, bytes: &[u8]) -> BuildToFetch {
    BuildToFetch {
        sha256: sha256_hex(bytes),
        size: bytes.len() as u64,
        file_name: file_name.to_owned(),
        download_url: server.url(file_name),
    }
}

fn game_tar_gz() -> Vec<u8> {
    gzip(&tar_bytes(&[
        TarEntry::file("bin/game.sh", b"#!/bin/sh\necho hi\n", 0o755),
        TarEntry::file("data/level1.txt", b"level one", 0o644),
        TarEntry::symlink("run", "bin/game.sh"),
    ]))
}

/// Nothing but finished builds in the cache: `tmp/` holds no leftover.
fn assert_no_leftovers(root: &Path) {
    assert_eq!(tree(&root.join("tmp")), Vec::<String>::new());
}

#[tokio::test]
async fn the_first_prepare_downloads_and_the_second_finds_the_build_in_the_cache() {
    let bytes = game_tar_gz();
    let server = FileServer::start(vec![("game.tar.gz", bytes.clone())]).await;
    let root = tempfile::tempdir().unwrap();
    let cache = BuildCache::new(root.path().to_owned());
    let build = build_of(&server, "game.tar.gz", &bytes);

    let first = cache.prepare(&build).await.unwrap();
    assert!(first.downloaded);
    assert_eq!(first.dir, root.path().join("builds").join(&build.sha256));
    assert_eq!(
        tree(&first.dir),
        ["bin", "bin/game.sh", "data", "data/level1.txt", "run"]
    );
    assert_eq!(mode_of(&first.dir.join("bin/game.sh")), 0o755);
    assert_eq!(server.requests(), 1);

    let second = cache.prepare(&build).await.unwrap();
    assert!(!second.downloaded);
    assert_eq!(second.dir, first.dir);
    assert_eq!(server.requests(), 1, "the second prepare downloaded again");
    assert_no_leftovers(root.path());
}

#[tokio::test]
async fn a_new_cache_on_the_same_folder_finds_the_build_too() {
    let bytes = game_tar_gz();
    let server = FileServer::start(vec![("game.tar.gz", bytes.clone())]).await;
    let root = tempfile::tempdir().unwrap();
    let build = build_of(&server, "game.tar.gz", &bytes);
    BuildCache::new(root.path().to_owned())
        .prepare(&build)
        .await
        .unwrap();
    let again = BuildCache::new(root.path().to_owned())
        .prepare(&build)
        .await
        .unwrap();
    assert!(!again.downloaded);
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn concurrent_prepares_of_one_build_download_it_once() {
    let bytes = game_tar_gz();
    let server = FileServer::start(vec![("game.tar.gz", bytes.clone())]).await;
    let root = tempfile::tempdir().unwrap();
    let cache = BuildCache::new(root.path().to_owned());
    let build = build_of(&server, "game.tar.gz", &bytes);
    let (a, b, c) = tokio::join!(
        cache.prepare(&build),
        cache.prepare(&build),
        cache.prepare(&build)
    );
    let downloaded = [a.unwrap(), b.unwrap(), c.unwrap()]
        .iter()
        .filter(|prepared| prepared.downloaded)
        .count();
    assert_eq!(downloaded, 1);
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_wrong_sha256_is_refused_and_nothing_is_cached() {
    let bytes = game_tar_gz();
    let server = FileServer::start(vec![("game.tar.gz", bytes.clone())]).await;
    let root = tempfile::tempdir().unwrap();
    let cache = BuildCache::new(root.path().to_owned());
    let mut build = build_of(&server, "game.tar.gz", &bytes);
    build.sha256 = sha256_hex(b"another build");

    let error = cache.prepare(&build).await.unwrap_err();
    match &error {
        BuildCacheError::HashMismatch { expected, actual } => {
            assert_eq!(expected, &build.sha256);
            assert_eq!(actual, &sha256_hex(&bytes));
        }
        other => panic!("expected a hash mismatch, got {other:?}"),
    }
    assert!(error.to_string().contains(&build.sha256), "{error}");
    assert_eq!(tree(&root.path().join("builds")), Vec::<String>::new());
    assert_no_leftovers(root.path());

    // Nothing was cached: the same (wrong) build is fetched again.
    cache.prepare(&build).await.unwrap_err();
    assert_eq!(server.requests(), 2);
}

#[tokio::test]
async fn a_wrong_size_is_refused_and_nothing_is_cached() {
    let bytes = game_tar_gz();
    let server = FileServer::start(vec![("game.tar.gz", bytes.clone())]).await;
    let root = tempfile::tempdir().unwrap();
    let cache = BuildCache::new(root.path().to_owned());
    for size in [bytes.len() as u64 - 1, bytes.len() as u64 + 1] {
        let mut build = build_of(&server, "game.tar.gz", &bytes);
        build.size = size;
        let error = cache.prepare(&build).await.unwrap_err();
        assert!(
            matches!(error, BuildCacheError::SizeMismatch { .. }),
            "{error:?}"
        );
    }
    assert_eq!(tree(&root.path().join("builds")), Vec::<String>::new());
    assert_no_leftovers(root.path());
}

#[tokio::test]
async fn a_zip_build_is_unpacked() {
    let bytes = zip_bytes(&[
        ZipEntry::File("Game/game.x86_64", b"\x7fELF", 0o755),
        ZipEntry::File("Game/Game_Data/level0", b"data", 0o644),
    ]);
    let server = FileServer::start(vec![("Game.zip", bytes.clone())]).await;
    let root = tempfile::tempdir().unwrap();
    let prepared = BuildCache::new(root.path().to_owned())
        .prepare(&build_of(&server, "Game.zip", &bytes))
        .await
        .unwrap();
    assert_eq!(
        tree(&prepared.dir),
        [
            "Game",
            "Game/Game_Data",
            "Game/Game_Data/level0",
            "Game/game.x86_64"
        ]
    );
    assert_eq!(mode_of(&prepared.dir.join("Game/game.x86_64")), 0o755);
}

#[tokio::test]
async fn a_plain_tar_build_is_unpacked() {
    let bytes = tar_bytes(&[TarEntry::file("game.sh", b"#!/bin/sh\n", 0o755)]);
    let server = FileServer::start(vec![("game.tar", bytes.clone())]).await;
    let root = tempfile::tempdir().unwrap();
    let prepared = BuildCache::new(root.path().to_owned())
        .prepare(&build_of(&server, "game.tar", &bytes))
        .await
        .unwrap();
    assert_eq!(tree(&prepared.dir), ["game.sh"]);
}

#[tokio::test]
async fn a_single_file_build_is_placed_in_its_folder_executable() {
    let bytes = b"#!/bin/sh\necho one file\n".to_vec();
    for name in ["game.x86_64", "Game.AppImage", "run.sh"] {
        let server = FileServer::start(vec![(name, bytes.clone())]).await;
        let root = tempfile::tempdir().unwrap();
        let prepared = BuildCache::new(root.path().to_owned())
            .prepare(&build_of(&server, name, &bytes))
            .await
            .unwrap();
        assert_eq!(tree(&prepared.dir), [name]);
        assert_eq!(mode_of(&prepared.dir.join(name)), 0o755);
        assert_eq!(std::fs::read(prepared.dir.join(name)).unwrap(), bytes);
        assert_no_leftovers(root.path());
    }
}

#[tokio::test]
async fn a_build_whose_archive_is_refused_leaves_nothing_in_the_cache() {
    let bytes = tar_bytes(&[
        TarEntry::file("fine", b"x", 0o644),
        TarEntry::symlink("link", "/etc"),
    ]);
    let server = FileServer::start(vec![("evil.tar", bytes.clone())]).await;
    let root = tempfile::tempdir().unwrap();
    let error = BuildCache::new(root.path().to_owned())
        .prepare(&build_of(&server, "evil.tar", &bytes))
        .await
        .unwrap_err();
    assert!(
        matches!(error, BuildCacheError::Unpack(UnpackError::Refused { ref entry, .. }) if entry == "link"),
        "{error:?}"
    );
    assert_eq!(tree(&root.path().join("builds")), Vec::<String>::new());
    assert_no_leftovers(root.path());
}

#[tokio::test]
async fn a_server_error_is_reported_and_nothing_is_cached() {
    let server = FileServer::start(vec![]).await;
    let root = tempfile::tempdir().unwrap();
    let build = build_of(&server, "missing.zip", b"whatever");
    let error = BuildCache::new(root.path().to_owned())
        .prepare(&build)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("404"), "{error}");
    assert_eq!(tree(&root.path().join("builds")), Vec::<String>::new());
    assert_no_leftovers(root.path());
}

#[tokio::test]
async fn a_hash_or_file_name_that_could_name_another_path_is_refused_before_any_download() {
    let server = FileServer::start(vec![]).await;
    let root = tempfile::tempdir().unwrap();
    let cache = BuildCache::new(root.path().to_owned());
    let good = build_of(&server, "game.zip", b"x");
    for build in [
        BuildToFetch {
            sha256: "../../etc".into(),
            ..good.clone()
        },
        BuildToFetch {
            sha256: good.sha256.to_uppercase(),
            ..good.clone()
        },
        BuildToFetch {
            file_name: "../game.zip".into(),
            ..good.clone()
        },
        BuildToFetch {
            file_name: "..".into(),
            ..good.clone()
        },
    ] {
        let error = cache.prepare(&build).await.unwrap_err();
        assert!(
            matches!(error, BuildCacheError::InvalidBuild(_)),
            "{error:?}"
        );
    }
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn a_run_copy_is_writable_keeps_modes_and_links_and_leaves_the_cache_pristine() {
    let bytes = gzip(&tar_bytes(&[
        TarEntry::file("bin/game.sh", b"#!/bin/sh\n", 0o755),
        TarEntry::file("data/save.txt", b"original", 0o444),
        TarEntry::symlink("run", "bin/game.sh"),
    ]));
    let server = FileServer::start(vec![("game.tgz", bytes.clone())]).await;
    let root = tempfile::tempdir().unwrap();
    let cache = BuildCache::new(root.path().to_owned());
    let prepared = cache
        .prepare(&build_of(&server, "game.tgz", &bytes))
        .await
        .unwrap();
    let runs = tempfile::tempdir().unwrap();
    let run = runs.path().join("run-1");

    cache.run_copy(&prepared, &run).unwrap();
    assert_eq!(tree(&run), tree(&prepared.dir));
    assert_eq!(mode_of(&run), 0o700);
    assert_eq!(mode_of(&run.join("bin/game.sh")), 0o755);
    assert_eq!(mode_of(&run.join("data/save.txt")), 0o644);
    assert_eq!(
        std::fs::read_link(run.join("run")).unwrap(),
        Path::new("bin/game.sh")
    );

    std::fs::write(run.join("data/save.txt"), b"changed by the run").unwrap();
    std::fs::write(run.join("new-file"), b"x").unwrap();
    assert_eq!(
        std::fs::read(prepared.dir.join("data/save.txt")).unwrap(),
        b"original"
    );
    assert!(!prepared.dir.join("new-file").exists());

    // A second run gets its own fresh copy; a used folder is refused.
    let second = runs.path().join("run-2");
    cache.run_copy(&prepared, &second).unwrap();
    assert_eq!(
        std::fs::read(second.join("data/save.txt")).unwrap(),
        b"original"
    );
    assert!(cache.run_copy(&prepared, &run).is_err());
}
