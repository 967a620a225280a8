//! `ActionClock`: the count of advances a pool has run, shared with its queues.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

/// Counts a pool's advances, one per tick. Every queue the pool adopts holds a handle, so
/// a current action's age is the clock's count less the count it started at: the advance
/// never writes a running action just to age it, and a running unit's queue stays
/// unchanged (for Bevy's change detection too) until something really happens to it.
///
/// The count wraps after `u32::MAX` advances; ages are taken with wrapping arithmetic.
#[derive(Debug, Default)]
pub(crate) struct ActionClock(AtomicU32);

impl ActionClock {
    /// A clock at 0, to share.
    pub fn shared() -> Arc<Self> {
        Arc::default()
    }

    /// The advances so far.
    #[inline]
    pub fn now(&self) -> u32 {
        self.0.load(Relaxed)
    }

    /// Counts one more advance; returns the new count.
    pub fn tick(&self) -> u32 {
        self.0.fetch_add(1, Relaxed).wrapping_add(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_advances_and_wraps() {
        let clock = ActionClock::shared();
        assert_eq!(clock.now(), 0);
        assert_eq!(clock.tick(), 1);
        assert_eq!(clock.tick(), 2);
        assert_eq!(clock.now(), 2);
        clock.0.store(u32::MAX, Relaxed);
        assert_eq!(clock.tick(), 0);
    }
}
