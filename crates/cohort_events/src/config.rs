//! How one event type is batched.

use crate::order::PARALLEL_CROSSOVER;

/// What a flush does with events beyond [`EventBatchConfig::capacity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BatchOverflow {
    /// Keep them all: the batch grows, and each growth is counted in the stats.
    #[default]
    Grow,
    /// Deliver the first `capacity` in the batch's order and drop the rest, counted.
    ///
    /// With [`EventBatchConfig::coalesce`] the cut comes before the merge (each task of
    /// a parallel flush knows its events' places in the batch only so): the batch holds
    /// the first `capacity` events merged, so it may hold fewer than `capacity`, and the
    /// key at the cut merges only its events before it.
    DropLast,
}

/// The settings of one batched event type. `Clone`, `Copy` and `Debug` whatever `E` is.
pub struct EventBatchConfig<E> {
    /// Events per batch that need no allocation: the batch and the flush's buffers are
    /// sized for it up front, and each thread's staging buffer for twice its share (its
    /// first part; when the keys are split into parts, each part gets an even share of
    /// the room the first grew to, and grows past it only for an uneven load).
    /// With [`BatchOverflow::DropLast`] it is also the most a batch delivers.
    pub capacity: usize,
    /// What happens past `capacity`.
    pub overflow: BatchOverflow,
    /// Merges an event into an earlier one with the same key, so the batch holds one event
    /// per key (sum the damage to one target). `None` keeps every event.
    pub coalesce: Option<fn(&mut E, &E)>,
    /// Flushes of at least this many events run on the compute pool, the parts of the
    /// batch shared between its threads (the batch is the same on any thread count).
    /// Such a flush allocates once what a `par_iter` call allocates (Bevy's task scope),
    /// so the flush counts as a `ParIterSystems` system. 16,384 by default: below it,
    /// waking the pool costs more than it saves. `usize::MAX` keeps every flush on its
    /// own thread.
    pub parallel_from: usize,
}

// By hand: derived, they would ask `E` to be `Clone`, `Copy` and `Debug` too.
impl<E> Clone for EventBatchConfig<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for EventBatchConfig<E> {}

impl<E> std::fmt::Debug for EventBatchConfig<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBatchConfig")
            .field("capacity", &self.capacity)
            .field("overflow", &self.overflow)
            .field("coalesce", &self.coalesce.is_some())
            .field("parallel_from", &self.parallel_from)
            .finish()
    }
}

impl<E> Default for EventBatchConfig<E> {
    fn default() -> Self {
        Self {
            capacity: 1024,
            overflow: BatchOverflow::Grow,
            coalesce: None,
            parallel_from: PARALLEL_CROSSOVER,
        }
    }
}

impl<E> EventBatchConfig<E> {
    /// Room for `capacity` events per batch without allocating.
    pub fn with_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// Delivers at most `capacity` events per batch and counts the rest as dropped.
    pub fn drop_past_capacity(mut self) -> Self {
        self.overflow = BatchOverflow::DropLast;
        self
    }

    /// Flushes of `events` or more run on the compute pool.
    pub fn parallel_from(mut self, events: usize) -> Self {
        self.parallel_from = events;
        self
    }

    /// Merges events with the same key into one with `merge(earlier, later)`.
    pub fn coalesce(mut self, merge: fn(&mut E, &E)) -> Self {
        self.coalesce = Some(merge);
        self
    }
}
