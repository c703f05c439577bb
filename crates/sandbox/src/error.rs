//! Why a program could not be sandboxed: a tool missing, a kernel that
//! refuses namespaces, a folder that is not there. Each says what to do.

use std::io;
use std::path::PathBuf;
use std::process::ExitStatus;

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(
        "{program} cannot be run ({source}); install it (Debian packages: bubblewrap for bwrap, util-linux for prlimit)"
    )]
    Missing { program: String, source: io::Error },
    #[error(
        "bubblewrap cannot create a sandbox on this machine ({status}): {stderr}. It needs user namespaces: check the sysctls user.max_user_namespaces (must be > 0), kernel.unprivileged_userns_clone (Debian, when not root) and kernel.apparmor_restrict_unprivileged_userns (Ubuntu 24.04+), and, in a container, a seccomp profile that allows unshare/clone with namespace flags"
    )]
    Unusable { status: ExitStatus, stderr: String },
    #[error("the build folder {}: {source}", path.display())]
    Dir { path: PathBuf, source: io::Error },
}
