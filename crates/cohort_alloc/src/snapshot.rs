//! Reading the counters: the calling thread's, or every thread's.

use core::sync::atomic::{AtomicI64, AtomicU8, Ordering::Relaxed};
use std::hint::black_box;

use crate::AllocCounts;
use crate::slots::{sum_all, thread_has_own_slot, thread_slot, threads_seen};

static PEAK_LIVE_BYTES: AtomicI64 = AtomicI64::new(0);

/// The calling thread's counters since it first allocated.
///
/// The difference of two readings on one thread is exactly what that thread allocated in
/// between, whatever other threads did, unless more than
/// [`MAX_THREAD_SLOTS`](crate::MAX_THREAD_SLOTS) threads have allocated (see
/// [`thread_counts_exact`]). Reading allocates nothing.
#[inline]
pub fn thread_counts() -> AllocCounts {
    thread_slot().counts()
}

/// Whether [`thread_counts`] is exact on the calling thread: false for threads past
/// [`MAX_THREAD_SLOTS`](crate::MAX_THREAD_SLOTS), which share one slot.
pub fn thread_counts_exact() -> bool {
    thread_has_own_slot()
}

/// Every thread's counters added up, at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AllocSnapshot {
    /// The totals since the program started.
    pub totals: AllocCounts,
    /// The most live bytes seen by any snapshot so far, this one included.
    pub peak_live_bytes: i64,
    /// Threads that have allocated or read their counts so far.
    pub threads: usize,
}

impl AllocSnapshot {
    /// Sums every thread's counters. Allocates nothing; cost grows with the thread count
    /// (one cache line per thread).
    ///
    /// The peak is the highest live total seen at a snapshot, not between snapshots: take
    /// them often (the profiler takes one every frame) for a close figure.
    pub fn take() -> Self {
        let totals = sum_all();
        let live = totals.live_bytes();
        let peak = PEAK_LIVE_BYTES.fetch_max(live, Relaxed).max(live);
        Self {
            totals,
            peak_live_bytes: peak,
            threads: threads_seen(),
        }
    }

    /// Bytes allocated and not yet freed, over all threads.
    pub fn live_bytes(&self) -> i64 {
        self.totals.live_bytes()
    }

    /// What happened since `earlier`.
    pub fn since(&self, earlier: &AllocSnapshot) -> AllocCounts {
        self.totals - earlier.totals
    }
}

/// What [`is_installed`] found: not yet asked, installed, or not.
static INSTALLED: AtomicU8 = AtomicU8::new(UNKNOWN);
const UNKNOWN: u8 = 0;
const YES: u8 = 1;
const NO: u8 = 2;

/// Whether the [`CountingAllocator`](crate::CountingAllocator) is this program's global
/// allocator. The first call finds out by allocating eight bytes and looking for them in
/// the calling thread's counts (reading the counts alone proves nothing: readers claim a
/// slot too); later calls return what it found and allocate nothing.
pub fn is_installed() -> bool {
    match INSTALLED.load(Relaxed) {
        YES => true,
        NO => false,
        _ => {
            let found = allocation_is_counted();
            INSTALLED.store(if found { YES } else { NO }, Relaxed);
            found
        }
    }
}

/// Allocates and frees one box: counted only when the counting allocator is global.
fn allocation_is_counted() -> bool {
    let before = thread_counts().allocations;
    drop(black_box(Box::new(black_box(0u64))));
    thread_counts().allocations != before
}
