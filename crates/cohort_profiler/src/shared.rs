//! State shared by the profiler resource and the system wrappers of one app.

use std::sync::atomic::{
    AtomicBool,
    Ordering::{Acquire, Relaxed, Release},
};
use std::sync::{Arc, Mutex, PoisonError};

use crate::cell::SystemCell;

/// One app's switch and its newly wrapped systems. Wrappers hold an `Arc` to it; apps never
/// share one, so tests that run several apps at once do not mix their figures.
pub(crate) struct Shared {
    enabled: AtomicBool,
    /// Whether Tracy gets zones, marks and plots (with the `tracy` feature).
    tracy: AtomicBool,
    /// Systems wrapped since the last roll-over; only schedule builds push here.
    pending: Mutex<Vec<Arc<SystemCell>>>,
    /// Whether `pending` may hold systems, so that a frame with none takes no lock.
    has_pending: AtomicBool,
}

impl Shared {
    pub(crate) fn new(enabled: bool, tracy: bool) -> Arc<Self> {
        Arc::new(Self {
            enabled: AtomicBool::new(enabled),
            tracy: AtomicBool::new(tracy),
            pending: Mutex::new(Vec::new()),
            has_pending: AtomicBool::new(false),
        })
    }

    #[inline]
    pub(crate) fn enabled(&self) -> bool {
        self.enabled.load(Relaxed)
    }

    pub(crate) fn set_enabled(&self, enabled: bool) {
        self.enabled.store(enabled, Relaxed);
    }

    #[inline]
    pub(crate) fn tracy(&self) -> bool {
        self.tracy.load(Relaxed)
    }

    pub(crate) fn set_tracy(&self, tracy: bool) {
        self.tracy.store(tracy, Relaxed);
    }

    pub(crate) fn register(&self, cell: Arc<SystemCell>) {
        self.pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(cell);
        self.has_pending.store(true, Release);
    }

    /// Moves newly registered systems into `into`. Locks only when some are waiting.
    pub(crate) fn drain_new(&self, into: &mut Vec<Arc<SystemCell>>) {
        if !self.has_pending.swap(false, Acquire) {
            return;
        }
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        into.append(&mut pending);
    }
}
