//! `ActionClock`: what a pool shares with the queues it adopted: the count of advances it
//! has run, and the slots of queues dropped while they still held some.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};

/// The slots a queue held when it was dropped without going through its pool (assigned
/// over, or taken out of its unit and dropped), for the pool to take back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DroppedChain {
    /// The first queued slot of the chain ([`NONE`](crate::pool::NONE) for none).
    pub head: u32,
    /// The current action's slot ([`NONE`](crate::pool::NONE) for none).
    pub held: u32,
    /// Actions it held, the current one included.
    pub actions: u32,
    /// True when its current action had a timeout.
    pub timed: bool,
}

/// Counts a pool's advances, one per tick. Every queue the pool adopts holds a handle, so
/// a current action's age is the clock's count less the count it started at: the advance
/// never writes a running action just to age it, and a running unit's queue stays
/// unchanged (for Bevy's change detection too) until something really happens to it.
///
/// The count wraps after `u32::MAX` advances; ages are taken with wrapping arithmetic.
///
/// A queue dropped with slots leaves them here (its `Drop` has no access to the pool):
/// the pool's next reclaim frees them, so assigning a fresh queue over a live one loses
/// nothing. There is room for [`DROPPED_ROOM`] such queues per tick before the lists
/// grow (the clock's and the pool's, which swap: each keeps the room it grew to).
#[derive(Debug)]
pub(crate) struct ActionClock {
    count: AtomicU32,
    /// True while `dropped` holds something: the reclaim looks at the lock only then.
    any_dropped: AtomicBool,
    dropped: Mutex<Vec<DroppedChain>>,
}

/// Queues dropped with slots per tick that the clock and the pool hold without allocating.
pub(crate) const DROPPED_ROOM: usize = 64;

impl ActionClock {
    /// A clock at 0, to share.
    pub fn shared() -> Arc<Self> {
        Arc::new(Self {
            count: AtomicU32::new(0),
            any_dropped: AtomicBool::new(false),
            dropped: Mutex::new(Vec::with_capacity(DROPPED_ROOM)),
        })
    }

    /// The advances so far.
    #[inline]
    pub fn now(&self) -> u32 {
        self.count.load(Relaxed)
    }

    /// Counts one more advance; returns the new count.
    pub fn tick(&self) -> u32 {
        self.count.fetch_add(1, Relaxed).wrapping_add(1)
    }

    /// Keeps the slots of a queue dropped with them, until the pool takes them back.
    pub fn leave(&self, chain: DroppedChain) {
        let mut dropped = self.dropped.lock().unwrap_or_else(PoisonError::into_inner);
        dropped.push(chain);
        self.any_dropped.store(true, Relaxed);
    }

    /// Moves the chains left so far into `into` (emptied first), which keeps its room.
    pub fn take_dropped(&self, into: &mut Vec<DroppedChain>) {
        into.clear();
        if !self.any_dropped.load(Relaxed) {
            return;
        }
        let mut dropped = self.dropped.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::swap(&mut *dropped, into);
        self.any_dropped.store(false, Relaxed);
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
        clock.count.store(u32::MAX, Relaxed);
        assert_eq!(clock.tick(), 0);
    }

    #[test]
    fn dropped_chains_are_handed_over_once() {
        let clock = ActionClock::shared();
        let chain = |head| DroppedChain {
            head,
            held: 7,
            actions: 2,
            timed: false,
        };
        let mut taken = Vec::new();
        clock.take_dropped(&mut taken);
        assert!(taken.is_empty());
        clock.leave(chain(1));
        clock.leave(chain(2));
        clock.take_dropped(&mut taken);
        assert_eq!(taken, [chain(1), chain(2)]);
        clock.take_dropped(&mut taken);
        assert!(taken.is_empty(), "already taken");
    }
}
