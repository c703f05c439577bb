//! Names of Linux signals, for verdicts and bug fingerprints: `SIGSEGV`
//! reads better than 11, and a name is the same on every run.

/// The name of signal `number` on Linux (x86-64, aarch64): `SIGSEGV`,
/// `SIGRTMIN+3`, or `SIG42` for a number that has none.
pub fn signal_name(number: i32) -> String {
    const NAMES: [&str; 31] = [
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    match number {
        1..=31 => NAMES[(number - 1) as usize].to_owned(),
        34 => "SIGRTMIN".to_owned(),
        35..=64 => format!("SIGRTMIN+{}", number - 34),
        _ => format!("SIG{number}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_crash_signals_have_their_names() {
        assert_eq!(signal_name(11), "SIGSEGV");
        assert_eq!(signal_name(6), "SIGABRT");
        assert_eq!(signal_name(7), "SIGBUS");
        assert_eq!(signal_name(8), "SIGFPE");
        assert_eq!(signal_name(24), "SIGXCPU");
        assert_eq!(signal_name(31), "SIGSYS");
    }

    #[test]
    fn realtime_and_unknown_signals_get_a_stable_name() {
        assert_eq!(signal_name(36), "SIGRTMIN+2");
        assert_eq!(signal_name(99), "SIG99");
    }
}
