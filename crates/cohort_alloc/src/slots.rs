//! Per-thread counter slots.
//!
//! Each thread claims one cache-line-sized slot the first time it allocates and is the only
//! writer of it, so counting is a plain load and store with no atomic read-modify-write and
//! no contention. Readers sum the slots. A thread gives its slot back when it exits; the
//! counts stay in the slot (totals never go down) and the next new thread carries on from
//! them. More than [`MAX_THREAD_SLOTS`] threads alive at once share one overflow slot,
//! counted with atomic adds: slower, still exact.

use core::cell::Cell;
use core::ptr;
use core::sync::atomic::Ordering::Relaxed;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use crate::AllocCounts;

/// Threads alive at once that get a slot of their own.
pub const MAX_THREAD_SLOTS: usize = 256;

/// One thread's counters, padded so no two threads share a cache line.
#[repr(align(64))]
pub(crate) struct Slot {
    allocations: AtomicU64,
    deallocations: AtomicU64,
    reallocations: AtomicU64,
    bytes_allocated: AtomicU64,
    bytes_freed: AtomicU64,
    shared: bool,
    in_use: AtomicBool,
}

impl Slot {
    const fn new(shared: bool) -> Self {
        Self {
            allocations: AtomicU64::new(0),
            deallocations: AtomicU64::new(0),
            reallocations: AtomicU64::new(0),
            bytes_allocated: AtomicU64::new(0),
            bytes_freed: AtomicU64::new(0),
            shared,
            in_use: AtomicBool::new(false),
        }
    }

    #[inline(always)]
    fn bump(&self, counter: &AtomicU64, amount: u64) {
        if self.shared {
            counter.fetch_add(amount, Relaxed);
        } else {
            // Only this slot's thread writes it: no read-modify-write needed.
            counter.store(counter.load(Relaxed).wrapping_add(amount), Relaxed);
        }
    }

    #[inline(always)]
    pub(crate) fn record_alloc(&self, bytes: usize) {
        self.bump(&self.allocations, 1);
        self.bump(&self.bytes_allocated, bytes as u64);
    }

    #[inline(always)]
    pub(crate) fn record_dealloc(&self, bytes: usize) {
        self.bump(&self.deallocations, 1);
        self.bump(&self.bytes_freed, bytes as u64);
    }

    #[inline(always)]
    pub(crate) fn record_realloc(&self, old: usize, new: usize) {
        self.bump(&self.reallocations, 1);
        self.bump(&self.bytes_allocated, new as u64);
        self.bump(&self.bytes_freed, old as u64);
    }

    pub(crate) fn counts(&self) -> AllocCounts {
        AllocCounts {
            allocations: self.allocations.load(Relaxed),
            deallocations: self.deallocations.load(Relaxed),
            reallocations: self.reallocations.load(Relaxed),
            bytes_allocated: self.bytes_allocated.load(Relaxed),
            bytes_freed: self.bytes_freed.load(Relaxed),
        }
    }
}

static SLOTS: [Slot; MAX_THREAD_SLOTS] = [const { Slot::new(false) }; MAX_THREAD_SLOTS];
static OVERFLOW: Slot = Slot::new(true);
/// One past the highest slot ever claimed: readers sum `SLOTS[..USED]`.
static USED: AtomicUsize = AtomicUsize::new(0);
/// Threads that have claimed a slot (or fallen back to the overflow slot) so far.
static THREADS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // A const-initialized raw pointer has no destructor: reading it never allocates and
    // works until the thread is gone, which an allocator needs.
    static THREAD_SLOT: Cell<*const Slot> = const { Cell::new(ptr::null()) };
    // Gives the slot back when the thread exits. Touched only when a slot is claimed.
    static RELEASE_ON_EXIT: ReleaseOnExit = const { ReleaseOnExit };
}

struct ReleaseOnExit;

impl Drop for ReleaseOnExit {
    fn drop(&mut self) {
        let _ = THREAD_SLOT.try_with(|cell| {
            let slot = cell.get();
            // Anything this thread still frees during exit goes to the shared slot.
            cell.set(&OVERFLOW);
            if !slot.is_null() && !ptr::eq(slot, &OVERFLOW) {
                // SAFETY: non-null slot pointers point into `SLOTS`, which is `'static`.
                unsafe { &*slot }.in_use.store(false, Ordering::Release);
            }
        });
    }
}

/// The calling thread's slot, claimed on first use.
#[inline(always)]
pub(crate) fn thread_slot() -> &'static Slot {
    let slot = THREAD_SLOT
        .try_with(|cell| {
            let slot = cell.get();
            if slot.is_null() {
                claim_slot(cell)
            } else {
                slot
            }
        })
        .unwrap_or(&OVERFLOW);
    // SAFETY: the pointer is either null-checked above and set to a `'static` slot by
    // `claim_slot`, or `&OVERFLOW`; both live for the whole program.
    unsafe { &*slot }
}

#[cold]
fn claim_slot(cell: &Cell<*const Slot>) -> *const Slot {
    THREADS.fetch_add(1, Relaxed);
    let free = SLOTS.iter().position(|slot| {
        slot.in_use
            .compare_exchange(false, true, Ordering::Acquire, Relaxed)
            .is_ok()
    });
    let slot: *const Slot = match free {
        Some(index) => {
            USED.fetch_max(index + 1, Relaxed);
            &SLOTS[index]
        }
        None => &OVERFLOW,
    };
    // Set before registering the exit hook: if registering allocates, that allocation
    // finds the slot and is counted instead of claiming again.
    cell.set(slot);
    let _ = RELEASE_ON_EXIT.try_with(|_| {});
    slot
}

/// Whether the calling thread has a slot of its own (and so exact per-thread counts).
pub(crate) fn thread_has_own_slot() -> bool {
    !thread_slot().shared
}

/// Sums every slot, the overflow slot included.
pub(crate) fn sum_all() -> AllocCounts {
    let used = USED.load(Relaxed).min(MAX_THREAD_SLOTS);
    SLOTS[..used]
        .iter()
        .chain(core::iter::once(&OVERFLOW))
        .fold(AllocCounts::default(), |total, slot| total + slot.counts())
}

/// Threads that have claimed a slot so far, by allocating or by reading their counts.
pub(crate) fn threads_seen() -> usize {
    THREADS.load(Relaxed)
}
