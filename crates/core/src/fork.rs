//! Which side of a `fork()` this process is on: runtimes and pools inherited through a fork
//! have no threads behind them, so their owners compare generations and rebuild.

use std::sync::atomic::{AtomicU64, Ordering};

/// Bumped in the child after every `fork()`. Reading it costs no system call, unlike
/// `getpid()`, which calls would otherwise make several times each.
static FORKS: AtomicU64 = AtomicU64::new(0);

#[cfg(unix)]
extern "C" fn after_fork_in_child() {
    // Only an atomic add: the child of a threaded process may run little else here.
    FORKS.fetch_add(1, Ordering::Relaxed);
}

/// Which side of every `fork()` so far this process is on; equal values mean "same process".
pub fn generation() -> u64 {
    #[cfg(unix)]
    {
        static HOOK: std::sync::Once = std::sync::Once::new();
        HOOK.call_once(|| {
            // SAFETY: registers a handler that only touches an atomic; no arguments to misuse.
            unsafe { libc::pthread_atfork(None, None, Some(after_fork_in_child)) };
        });
    }
    FORKS.load(Ordering::Relaxed)
}
