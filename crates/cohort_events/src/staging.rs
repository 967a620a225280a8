//! Where writers put events between flushes: buffers per thread, so writers of one type
//! run in parallel (inside `par_iter` too) and never take a lock. Each thread's events are
//! split by key range into [`PARTS`] parts as they are written, so that the flush sorts
//! each few parts in the cache instead of the whole batch at once.

use std::cell::{RefCell, RefMut};
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use bevy::ecs::resource::Resource;
use bevy::ecs::world::World;
use cohort_sim::on_each_compute_thread;
use thread_local::ThreadLocal;

/// An event as written: its key and source, its writer and the tick it was written in.
pub(crate) struct Staged<E> {
    pub key: u64,
    pub source: u64,
    pub rank: u32,
    pub tick: u32,
    pub event: E,
}

/// Parts each thread's events are split into, by key range.
pub(crate) const PARTS: usize = 64;

/// Which part a key goes to: `(key - base) >> shift`, the keys below `base` in the first
/// part and those past the last part's range in the last. It never goes down as the key
/// goes up, so the parts in order, each sorted, are the whole batch sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Partitioning {
    base: u64,
    shift: u32,
}

impl Partitioning {
    /// Every key in the first part: before any batch has shown the keys' range.
    pub(crate) const WHOLE: Self = Self {
        base: 0,
        shift: u64::BITS,
    };

    /// The part of `key`.
    #[inline]
    pub(crate) fn part(self, key: u64) -> usize {
        let offset = key.saturating_sub(self.base);
        offset
            .checked_shr(self.shift)
            .unwrap_or(0)
            .min(PARTS as u64 - 1) as usize
    }

    /// The keys that `part` holds when none was clamped into it: the range from `low`,
    /// `bits` wide.
    pub(crate) fn range_of(self, part: usize) -> (u64, u32) {
        let start = (part as u64).checked_shl(self.shift).unwrap_or(0);
        (self.base.wrapping_add(start), self.shift)
    }

    /// Spreads the keys `lowest..=highest` over all the parts, each part as wide.
    pub(crate) fn spanning(lowest: u64, highest: u64) -> Self {
        let per_part = (highest.saturating_sub(lowest)) >> PARTS.ilog2();
        Self {
            base: lowest,
            shift: u64::BITS - per_part.leading_zeros(),
        }
    }

    /// Whether to keep `self` for a batch of keys `lowest..=highest`: none of them falls
    /// below the first part or past the last, and the parts are at most four times as wide
    /// as they need be. Keeping it keeps each part's buffer at the size it grew to.
    pub(crate) fn fits(self, lowest: u64, highest: u64) -> bool {
        let wanted = Self::spanning(lowest, highest);
        lowest >= self.base
            && highest
                .saturating_sub(self.base)
                .checked_shr(self.shift)
                .unwrap_or(0)
                < PARTS as u64
            && self.shift <= wanted.shift + 2
    }
}

/// One thread's staged events, by part. Aligned to two cache lines so that no two
/// threads' buffers (nor their borrow flags, side by side in the thread-local table)
/// share a line: each push writes its part's length, and a line shared between threads
/// would bounce between their cores on every write.
#[repr(align(128))]
pub(crate) struct ThreadStage<E> {
    pub parts: [Vec<Staged<E>>; PARTS],
}

impl<E> ThreadStage<E> {
    /// The first part starts with room for `capacity` events (every event goes there
    /// until the keys' range is known), the others empty.
    fn new(capacity: usize) -> Self {
        let mut parts = std::array::from_fn(|_| Vec::new());
        parts[0] = Vec::with_capacity(capacity);
        Self { parts }
    }

    #[inline]
    pub(crate) fn push(&mut self, partitioning: Partitioning, staged: Staged<E>) {
        self.parts[partitioning.part(staged.key)].push(staged);
    }
}

/// The per-thread buffers of one event type.
#[derive(Resource)]
pub(crate) struct EventStaging<E: Send + Sync + 'static> {
    buffers: ThreadLocal<RefCell<ThreadStage<E>>>,
    /// How keys are split into parts; the flush changes it when the keys' range does.
    pub partitioning: Partitioning,
    /// The next writer's rank: systems take ranks as Bevy initializes them, an order that
    /// does not depend on threads.
    pub next_rank: AtomicU32,
    /// Room each thread's buffer starts with.
    pub per_thread_capacity: usize,
}

impl<E: Send + Sync + 'static> EventStaging<E> {
    pub(crate) fn new(per_thread_capacity: usize) -> Self {
        Self {
            buffers: ThreadLocal::new(),
            partitioning: Partitioning::WHOLE,
            next_rank: AtomicU32::new(0),
            per_thread_capacity,
        }
    }

    #[inline]
    pub(crate) fn push(&self, staged: Staged<E>) {
        self.local().push(self.partitioning, staged);
    }

    /// This thread's buffer, made on its first use.
    ///
    /// # Panics
    /// If this thread's buffer is already borrowed: by a [`LocalBatchWriter`] held while
    /// the same thread writes again (through a nested parallel loop, say).
    ///
    /// [`LocalBatchWriter`]: crate::LocalBatchWriter
    #[inline]
    pub(crate) fn local(&self) -> RefMut<'_, ThreadStage<E>> {
        match self.buffers.get() {
            Some(stage) => stage.borrow_mut(),
            None => self.make_local().borrow_mut(),
        }
    }

    /// Makes this thread's buffers: out of line, so that the parts' array is not built
    /// in every writer's stack frame.
    #[cold]
    #[inline(never)]
    fn make_local(&self) -> &RefCell<ThreadStage<E>> {
        let capacity = self.per_thread_capacity;
        self.buffers
            .get_or(move || RefCell::new(ThreadStage::new(capacity)))
    }

    /// Every thread's buffers, each with its part.
    pub(crate) fn buffers_mut(&mut self) -> impl Iterator<Item = (usize, &mut Vec<Staged<E>>)> {
        self.buffers
            .iter_mut()
            .flat_map(|stage| stage.get_mut().parts.iter_mut().enumerate())
    }

    /// The room every thread's buffers grew by since they were made, summed: buffers
    /// never shrink, so this goes up exactly when a writer's push grew one.
    pub(crate) fn room_grown(&mut self) -> usize {
        let start = self.per_thread_capacity;
        self.buffers
            .iter_mut()
            .map(|stage| {
                let room: usize = stage.get_mut().parts.iter().map(Vec::capacity).sum();
                room.saturating_sub(start)
            })
            .sum()
    }

    /// After a re-split, gives each part of every thread's buffers room for an even share
    /// of that thread's largest part: the keys that crowded one part now spread over all
    /// of them, and the writers would otherwise grow each part from nothing, in the
    /// middle of a game. Parts with room to spare keep it; a load that stays uneven still
    /// grows its parts (and the flush counts that).
    pub(crate) fn spread_room(&mut self) {
        for stage in self.buffers.iter_mut() {
            let parts = &mut stage.get_mut().parts;
            let largest = parts.iter().map(Vec::capacity).max().unwrap_or(0);
            let share = largest.div_ceil(PARTS);
            for part in parts.iter_mut() {
                part.reserve(share.saturating_sub(part.len()));
            }
        }
    }

    /// Creates this thread's buffer and every compute thread's
    /// ([`on_each_compute_thread`]), so that no thread's first write allocates in the
    /// middle of a game.
    pub(crate) fn prewarm(world: &mut World) {
        if let Some(staging) = world.get_resource::<Self>() {
            on_each_compute_thread(|| drop(staging.local()));
        }
    }

    pub(crate) fn take_rank(&self) -> u32 {
        self.next_rank.fetch_add(1, Relaxed)
    }
}
