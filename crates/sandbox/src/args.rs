//! The command line: prlimit's resource limits, then bubblewrap's
//! namespaces and mounts (the crate's documentation says what each gives).

use std::path::Path;

use crate::launch::{GAME_DIR, SandboxLimits, Shared};

/// The uid and gid of the program inside.
const SANDBOX_ID: &str = "1000";

/// The PATH inside.
pub(crate) const PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Host folders of system programs and libraries, read-only inside.
const SYSTEM_DIRS: [&str; 6] = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

/// The pieces of `/etc` a program may need to start, read-only inside.
const ETC_FILES: [&str; 6] = [
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/localtime",
    "/etc/fonts",
];

pub(crate) fn prlimit_args(limits: &SandboxLimits) -> Vec<String> {
    let both = |name: &str, value: u64| format!("--{name}={value}:{value}");
    vec![
        format!(
            "--cpu={}:{}",
            limits.cpu_seconds,
            limits.cpu_seconds.saturating_add(1)
        ),
        both("data", limits.memory_bytes),
        both("fsize", limits.max_file_bytes),
        both("nofile", limits.max_open_files),
        // A crash must not leave a core file (maybe gigabytes) in the build.
        both("core", 0),
    ]
}

pub(crate) fn bwrap_args(game_dir: &Path, shared: &[Shared]) -> Vec<String> {
    let mut args: Vec<String> = [
        "--unshare-all",
        "--unshare-user",
        "--uid",
        SANDBOX_ID,
        "--gid",
        SANDBOX_ID,
        "--disable-userns",
        "--cap-drop",
        "ALL",
        "--die-with-parent",
        "--new-session",
        "--hostname",
        "playtest",
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    .map(String::from)
    .into();
    for dir in SYSTEM_DIRS {
        match std::fs::read_link(dir) {
            // Merged /usr: `/bin -> usr/bin` and the like.
            Ok(target) => args.extend([
                "--symlink".into(),
                target.to_string_lossy().into_owned(),
                dir.into(),
            ]),
            Err(_) if Path::new(dir).is_dir() => {
                args.extend(["--ro-bind".into(), dir.into(), dir.into()]);
            }
            Err(_) => {}
        }
    }
    for file in ETC_FILES {
        args.extend(["--ro-bind-try".into(), file.into(), file.into()]);
    }
    args.extend(
        [
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            // Writable by the program, as on a desktop: POSIX shared memory
            // and semaphores (SDL, libfaketime across a launcher's
            // processes) live there.
            "--perms",
            "01777",
            "--tmpfs",
            "/dev/shm",
            "--remount-ro",
            "/dev",
            "--tmpfs",
            "/tmp",
            "--bind",
        ]
        .map(String::from),
    );
    args.push(game_dir.to_string_lossy().into_owned());
    args.push(GAME_DIR.into());
    // After `--tmpfs /tmp`, so they are mounted on top of it.
    for path in shared {
        args.extend([
            "--bind".into(),
            path.host.to_string_lossy().into_owned(),
            path.inside.clone(),
        ]);
    }
    args.extend(["--remount-ro", "/", "--chdir", GAME_DIR].map(String::from));
    args
}
