//! State shared by the profiler resource and the system wrappers of one app.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};

use crate::cell::SystemCell;

/// One app's switch and its newly wrapped systems. Wrappers hold an `Arc` to it; apps never
/// share one, so tests that run several apps at once do not mix their figures.
pub(crate) struct Shared {
    enabled: AtomicBool,
    /// Systems wrapped since the last roll-over; only schedule builds push here.
    pending: Mutex<Vec<Arc<SystemCell>>>,
}

impl Shared {
    pub(crate) fn new(enabled: bool) -> Arc<Self> {
        Arc::new(Self {
            enabled: AtomicBool::new(enabled),
            pending: Mutex::new(Vec::new()),
        })
    }

    #[inline]
    pub(crate) fn enabled(&self) -> bool {
        self.enabled.load(Relaxed)
    }

    pub(crate) fn set_enabled(&self, enabled: bool) {
        self.enabled.store(enabled, Relaxed);
    }

    pub(crate) fn register(&self, cell: Arc<SystemCell>) {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(cell);
    }

    /// Moves newly registered systems into `into`. Locks only when some are waiting.
    pub(crate) fn drain_new(&self, into: &mut Vec<Arc<SystemCell>>) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        into.append(&mut pending);
    }
}
