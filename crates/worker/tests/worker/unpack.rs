//! Safe extraction: archives built here, hostile and normal, unpacked into
//! `<tmp>/dest` next to an `<tmp>/outside` that must stay empty.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use playtest_worker::{ArchiveFormat, Refusal, UnpackError, UnpackLimits, unpack};
use tar::EntryType;

use crate::support::{TarEntry, ZipEntry, gzip, mode_of, raw_header, tar_bytes, tree, zip_bytes};

struct Scene {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Scene {
    fn new() -> Scene {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        std::fs::create_dir(dir.join("outside")).unwrap();
        Scene { _tmp: tmp, dir }
    }

    fn dest(&self) -> PathBuf {
        self.dir.join("dest")
    }

    fn outside(&self) -> PathBuf {
        self.dir.join("outside")
    }

    fn unpack(
        &self,
        bytes: &[u8],
        format: ArchiveFormat,
    ) -> Result<playtest_worker::Unpacked, UnpackError> {
        self.unpack_with(bytes, format, &UnpackLimits::default())
    }

    fn unpack_with(
        &self,
        bytes: &[u8],
        format: ArchiveFormat,
        limits: &UnpackLimits,
    ) -> Result<playtest_worker::Unpacked, UnpackError> {
        let archive = self.dir.join("archive");
        std::fs::write(&archive, bytes).unwrap();
        unpack(&archive, format, &self.dest(), limits)
    }

    /// The refusal, after checking nothing landed outside the destination.
    fn refusal(&self, result: Result<playtest_worker::Unpacked, UnpackError>) -> (String, Refusal) {
        assert_eq!(
            tree(&self.outside()),
            Vec::<String>::new(),
            "something was written outside"
        );
        match result {
            Err(UnpackError::Refused { entry, reason }) => (entry, reason),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
}

fn tar_gz(entries: &[TarEntry<'_>]) -> Vec<u8> {
    gzip(&tar_bytes(entries))
}

#[test]
fn a_normal_tar_gz_with_nested_folders_keeps_the_executable_bit() {
    let scene = Scene::new();
    let archive = tar_gz(&[
        TarEntry::dir("./"),
        TarEntry::dir("./game/"),
        TarEntry::file("./game/bin/game.x86_64", b"\x7fELF", 0o755),
        TarEntry::file("./game/data/level1.pak", b"level", 0o644),
        TarEntry::file("./game/readme.txt", b"hi", 0o4755 & 0o644),
        TarEntry::symlink("./game/run", "bin/game.x86_64"),
        TarEntry::symlink("./game/data/up", "../bin"),
    ]);
    let unpacked = scene.unpack(&archive, ArchiveFormat::TarGz).unwrap();
    assert_eq!(unpacked.bytes, 11);
    let dest = scene.dest();
    assert_eq!(
        tree(&dest),
        [
            "game",
            "game/bin",
            "game/bin/game.x86_64",
            "game/data",
            "game/data/level1.pak",
            "game/data/up",
            "game/readme.txt",
            "game/run",
        ]
    );
    assert_eq!(mode_of(&dest.join("game/bin/game.x86_64")), 0o755);
    assert_eq!(mode_of(&dest.join("game/data/level1.pak")), 0o644);
    assert_eq!(std::fs::read(dest.join("game/run")).unwrap(), b"\x7fELF");
    assert_eq!(
        std::fs::read_link(dest.join("game/data/up")).unwrap(),
        Path::new("../bin")
    );
}

#[test]
fn setuid_and_world_writable_bits_never_reach_the_disk() {
    let scene = Scene::new();
    let archive = tar_bytes(&[
        TarEntry::file("suid", b"x", 0o4777),
        TarEntry::file("plain", b"x", 0o666),
    ]);
    scene.unpack(&archive, ArchiveFormat::Tar).unwrap();
    assert_eq!(mode_of(&scene.dest().join("suid")), 0o755);
    assert_eq!(mode_of(&scene.dest().join("plain")), 0o644);
}

#[test]
fn a_normal_zip_with_nested_folders_keeps_the_executable_bit() {
    let scene = Scene::new();
    let archive = zip_bytes(&[
        ZipEntry::Dir("game/"),
        ZipEntry::File("game/bin/game.x86_64", b"\x7fELF", 0o755),
        ZipEntry::File("game/data/level1.pak", &[7u8; 10_000], 0o644),
        ZipEntry::Symlink("game/run", "bin/game.x86_64"),
    ]);
    let unpacked = scene.unpack(&archive, ArchiveFormat::Zip).unwrap();
    assert_eq!(unpacked.bytes, 10_004);
    let dest = scene.dest();
    assert_eq!(mode_of(&dest.join("game/bin/game.x86_64")), 0o755);
    assert_eq!(mode_of(&dest.join("game/data/level1.pak")), 0o644);
    assert_eq!(
        std::fs::read(dest.join("game/data/level1.pak")).unwrap(),
        vec![7u8; 10_000]
    );
    assert_eq!(
        std::fs::read_link(dest.join("game/run")).unwrap(),
        Path::new("bin/game.x86_64")
    );
}

#[test]
fn an_entry_climbing_out_with_dot_dot_is_refused_in_a_tar() {
    let scene = Scene::new();
    let archive = tar_bytes(&[
        TarEntry::file("ok", b"x", 0o644),
        TarEntry::file("../outside/x", b"x", 0o644),
    ]);
    let (entry, reason) = scene.refusal(scene.unpack(&archive, ArchiveFormat::Tar));
    assert_eq!(
        (entry.as_str(), reason),
        ("../outside/x", Refusal::ParentDir)
    );
}

#[test]
fn an_entry_climbing_out_with_dot_dot_is_refused_in_a_zip() {
    let scene = Scene::new();
    let archive = zip_bytes(&[ZipEntry::File("a/../../outside/x", b"x", 0o644)]);
    let (entry, reason) = scene.refusal(scene.unpack(&archive, ArchiveFormat::Zip));
    assert_eq!(
        (entry.as_str(), reason),
        ("a/../../outside/x", Refusal::ParentDir)
    );
}

#[test]
fn an_absolute_entry_path_is_refused() {
    let scene = Scene::new();
    let target = scene.outside().join("x");
    let name = target.to_str().unwrap();
    let archive = tar_bytes(&[TarEntry::file(name, b"x", 0o644)]);
    let (entry, reason) = scene.refusal(scene.unpack(&archive, ArchiveFormat::Tar));
    assert_eq!((entry.as_str(), reason), (name, Refusal::AbsolutePath));
    let zipped = zip_bytes(&[ZipEntry::File(name, b"x", 0o644)]);
    let (_, reason) = scene.refusal(scene.unpack(&zipped, ArchiveFormat::Zip));
    assert_eq!(reason, Refusal::AbsolutePath);
}

#[test]
fn a_symlink_to_an_absolute_path_is_refused_before_anything_goes_through_it() {
    let scene = Scene::new();
    let archive = tar_bytes(&[
        TarEntry::symlink("link", "/etc"),
        TarEntry::file("link/passwd", b"root::0:0::/:/bin/sh", 0o644),
    ]);
    let (entry, reason) = scene.refusal(scene.unpack(&archive, ArchiveFormat::Tar));
    assert_eq!(entry, "link");
    assert_eq!(reason, Refusal::AbsoluteLinkTarget("/etc".into()));
    assert!(!scene.dest().join("link").exists());
}

#[test]
fn a_symlink_to_an_absolute_path_is_refused_in_a_zip() {
    let scene = Scene::new();
    let outside = scene.outside();
    let archive = zip_bytes(&[
        ZipEntry::Symlink("link", outside.to_str().unwrap()),
        ZipEntry::File("link/x", b"x", 0o644),
    ]);
    let (entry, reason) = scene.refusal(scene.unpack(&archive, ArchiveFormat::Zip));
    assert_eq!(entry, "link");
    assert!(matches!(reason, Refusal::AbsoluteLinkTarget(_)));
}

#[test]
fn a_symlink_climbing_out_is_refused() {
    let scene = Scene::new();
    let archive = tar_bytes(&[
        TarEntry::symlink("link", "../outside"),
        TarEntry::file("link/x", b"x", 0o644),
    ]);
    let (entry, reason) = scene.refusal(scene.unpack(&archive, ArchiveFormat::Tar));
    assert_eq!(
        (entry.as_str(), reason),
        ("link", Refusal::LinkEscapes("../outside".into()))
    );
}

#[test]
fn a_symlink_chain_escaping_through_another_link_is_refused() {
    // `d/s -> ..` stays inside; but `d/s/../..` through it is outside.
    let scene = Scene::new();
    let archive = tar_bytes(&[
        TarEntry::dir("d/"),
        TarEntry::symlink("d/s", ".."),
        TarEntry::symlink("e", "d/s/../../outside"),
        TarEntry::file("e/x", b"x", 0o644),
    ]);
    let (entry, reason) = scene.refusal(scene.unpack(&archive, ArchiveFormat::Tar));
    assert_eq!(entry, "e");
    assert!(matches!(reason, Refusal::LinkEscapes(_)));
}

#[test]
fn an_entry_through_a_symlink_of_the_archive_is_refused_even_inside() {
    let scene = Scene::new();
    let archive = tar_bytes(&[
        TarEntry::dir("sub/"),
        TarEntry::symlink("link", "sub"),
        TarEntry::file("link/x", b"x", 0o644),
    ]);
    let (entry, reason) = scene.refusal(scene.unpack(&archive, ArchiveFormat::Tar));
    assert_eq!(
        (entry.as_str(), reason),
        ("link/x", Refusal::ThroughSymlink("link".into()))
    );
    assert!(!scene.dest().join("sub/x").exists());
}

#[test]
fn a_file_entry_replacing_a_symlink_does_not_write_through_it() {
    // `link -> sub/f` then a file `link`: the link is replaced, sub/f untouched.
    let scene = Scene::new();
    let archive = tar_bytes(&[
        TarEntry::file("sub/f", b"original", 0o644),
        TarEntry::symlink("link", "sub/f"),
        TarEntry::file("link", b"new", 0o644),
    ]);
    scene.unpack(&archive, ArchiveFormat::Tar).unwrap();
    assert_eq!(
        std::fs::read(scene.dest().join("sub/f")).unwrap(),
        b"original"
    );
    assert_eq!(std::fs::read(scene.dest().join("link")).unwrap(), b"new");
    assert!(
        !std::fs::symlink_metadata(scene.dest().join("link"))
            .unwrap()
            .is_symlink()
    );
}

#[test]
fn a_hard_link_is_refused() {
    let scene = Scene::new();
    let archive = tar_bytes(&[
        TarEntry::file("a", b"x", 0o644),
        TarEntry::hard_link("h", "a"),
    ]);
    let (entry, reason) = scene.refusal(scene.unpack(&archive, ArchiveFormat::Tar));
    assert_eq!((entry.as_str(), reason), ("h", Refusal::HardLink));
    let archive = tar_bytes(&[TarEntry::hard_link("passwd", "/etc/passwd")]);
    let (_, reason) = scene.refusal(scene.unpack(&archive, ArchiveFormat::Tar));
    assert_eq!(reason, Refusal::HardLink);
}

#[test]
fn device_and_fifo_entries_are_refused() {
    for (kind, what) in [
        (EntryType::Char, "character device"),
        (EntryType::Block, "block device"),
        (EntryType::Fifo, "FIFO"),
    ] {
        let scene = Scene::new();
        let archive = tar_bytes(&[TarEntry::special("dev/sda", kind)]);
        let (entry, reason) = scene.refusal(scene.unpack(&archive, ArchiveFormat::Tar));
        assert_eq!(
            (entry.as_str(), reason),
            ("dev/sda", Refusal::Special(what))
        );
        assert!(!scene.dest().join("dev").exists());
    }
}

#[test]
fn too_many_entries_are_refused() {
    let limits = UnpackLimits {
        max_files: 10,
        ..UnpackLimits::default()
    };
    let names: Vec<String> = (0..11).map(|i| format!("f{i}")).collect();
    let scene = Scene::new();
    let entries: Vec<TarEntry<'_>> = names
        .iter()
        .map(|n| TarEntry::file(n, b"x", 0o644))
        .collect();
    let (entry, reason) =
        scene.refusal(scene.unpack_with(&tar_bytes(&entries), ArchiveFormat::Tar, &limits));
    assert_eq!(
        (entry.as_str(), reason),
        ("f10", Refusal::TooManyEntries(10))
    );
    let scene = Scene::new();
    let entries: Vec<ZipEntry<'_>> = names
        .iter()
        .map(|n| ZipEntry::File(n, b"x", 0o644))
        .collect();
    let (_, reason) =
        scene.refusal(scene.unpack_with(&zip_bytes(&entries), ArchiveFormat::Zip, &limits));
    assert_eq!(reason, Refusal::TooManyEntries(10));
    assert!(
        tree(&scene.dest()).is_empty(),
        "a zip is refused before writing"
    );
}

#[test]
fn a_tar_gz_bomb_is_stopped_at_the_total_byte_limit() {
    const MIB: u64 = 1 << 20;
    let limits = UnpackLimits {
        max_total_bytes: 8 * MIB,
        ..UnpackLimits::default()
    };
    // 3 × 4 MiB of zeros, a few KiB compressed: the third file crosses 8 MiB.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    {
        let mut builder = tar::Builder::new(&mut encoder);
        for name in ["a", "b", "c"] {
            let header = raw_header(name, EntryType::Regular, 0o644, 4 * MIB, None);
            builder
                .append(&header, std::io::repeat(0).take(4 * MIB))
                .unwrap();
        }
        builder.finish().unwrap();
    }
    let archive = encoder.finish().unwrap();
    assert!(archive.len() < 100_000, "a bomb: {} bytes", archive.len());
    let scene = Scene::new();
    let (entry, reason) = scene.refusal(scene.unpack_with(&archive, ArchiveFormat::TarGz, &limits));
    assert_eq!(
        (entry.as_str(), reason),
        ("c", Refusal::TooManyBytes(8 * MIB))
    );
    let written: u64 = ["a", "b", "c"]
        .iter()
        .map(|name| std::fs::metadata(scene.dest().join(name)).map_or(0, |m| m.len()))
        .sum();
    assert!(written <= 8 * MIB, "wrote {written} bytes");
}

#[test]
fn a_zip_bomb_is_stopped_at_the_file_size_limit() {
    const MIB: usize = 1 << 20;
    let limits = UnpackLimits {
        max_file_bytes: 2 * MIB as u64,
        ..UnpackLimits::default()
    };
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    writer.start_file("zeros.bin", options).unwrap();
    let zeros = vec![0u8; MIB];
    for _ in 0..16 {
        writer.write_all(&zeros).unwrap();
    }
    let archive = writer.finish().unwrap().into_inner();
    assert!(archive.len() < 100_000, "a bomb: {} bytes", archive.len());
    let scene = Scene::new();
    let (entry, reason) = scene.refusal(scene.unpack_with(&archive, ArchiveFormat::Zip, &limits));
    assert_eq!(
        (entry.as_str(), reason),
        ("zeros.bin", Refusal::FileTooLarge(2 * MIB as u64))
    );
    let written = std::fs::metadata(scene.dest().join("zeros.bin"))
        .unwrap()
        .len();
    assert!(written <= 2 * MIB as u64, "wrote {written} bytes");
}

#[test]
fn a_refusal_names_the_entry_and_the_reason() {
    let scene = Scene::new();
    let archive = tar_bytes(&[TarEntry::hard_link("bin/game", "/usr/bin/sudo")]);
    let message = scene
        .unpack(&archive, ArchiveFormat::Tar)
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        "archive entry \"bin/game\" refused: hard links are not accepted"
    );
}

#[test]
fn a_damaged_archive_is_reported_as_unreadable() {
    let scene = Scene::new();
    let mut archive = gzip(&tar_bytes(&[TarEntry::file("a", &[1u8; 4096], 0o644)]));
    archive.truncate(archive.len() / 2);
    let error = scene.unpack(&archive, ArchiveFormat::TarGz).unwrap_err();
    assert!(matches!(error, UnpackError::Unreadable { .. }), "{error:?}");
    let error = scene
        .unpack(b"not a zip at all", ArchiveFormat::Zip)
        .unwrap_err();
    assert!(matches!(error, UnpackError::Unreadable { .. }), "{error:?}");
}

#[test]
fn archive_formats_are_told_by_file_name() {
    assert_eq!(
        ArchiveFormat::from_file_name("Game.ZIP"),
        Some(ArchiveFormat::Zip)
    );
    assert_eq!(
        ArchiveFormat::from_file_name("game.tar.gz"),
        Some(ArchiveFormat::TarGz)
    );
    assert_eq!(
        ArchiveFormat::from_file_name("game.tgz"),
        Some(ArchiveFormat::TarGz)
    );
    assert_eq!(
        ArchiveFormat::from_file_name("game.tar"),
        Some(ArchiveFormat::Tar)
    );
    assert_eq!(ArchiveFormat::from_file_name("game.x86_64"), None);
    assert_eq!(ArchiveFormat::from_file_name("game.AppImage"), None);
}
