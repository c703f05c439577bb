//! How a sandboxed program ended, read from bubblewrap's exit status.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

/// How a sandboxed program ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

impl Exit {
    /// Reads bwrap's exit status. bwrap passes a program's exit code
    /// through, and turns its death by signal N into exit code 128 + N (the
    /// shell's convention): it reports nothing that tells the two apart. So
    /// 129..=192 is read as a signal; a program that calls `exit(139)` is
    /// taken as killed by SIGSEGV, as a shell would. bwrap itself dying by a
    /// signal (killed from outside) is a signal too.
    pub fn from_status(status: ExitStatus) -> Exit {
        match (status.code(), status.signal()) {
            (Some(code), _) if (129..=128 + 64).contains(&code) => Exit::Signal(code - 128),
            (Some(code), _) => Exit::Code(code),
            (None, Some(signal)) => Exit::Signal(signal),
            (None, None) => Exit::Code(-1),
        }
    }
}

impl std::fmt::Display for Exit {
    /// `exited with code 3`, `was killed by SIGSEGV (signal 11)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exit::Code(code) => write!(f, "exited with code {code}"),
            Exit::Signal(signal) => write!(
                f,
                "was killed by {} (signal {signal})",
                crate::signal_name(*signal)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_of_exit_code(code: i32) -> ExitStatus {
        ExitStatus::from_raw(code << 8)
    }

    #[test]
    fn exit_codes_above_128_are_read_as_signals() {
        assert_eq!(
            Exit::from_status(status_of_exit_code(139)),
            Exit::Signal(11)
        );
        assert_eq!(Exit::from_status(status_of_exit_code(134)), Exit::Signal(6));
    }

    #[test]
    fn plain_exit_codes_stay_codes() {
        assert_eq!(Exit::from_status(status_of_exit_code(0)), Exit::Code(0));
        assert_eq!(Exit::from_status(status_of_exit_code(3)), Exit::Code(3));
        assert_eq!(Exit::from_status(status_of_exit_code(128)), Exit::Code(128));
        assert_eq!(Exit::from_status(status_of_exit_code(255)), Exit::Code(255));
    }

    #[test]
    fn bwrap_killed_by_a_signal_is_a_signal() {
        assert_eq!(Exit::from_status(ExitStatus::from_raw(9)), Exit::Signal(9));
    }
}
