//! How one event type is batched.

/// What a flush does with events beyond [`EventBatchConfig::capacity`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overflow {
    /// Keep them all: the batch grows, and each growth is counted in the stats.
    #[default]
    Grow,
    /// Deliver the first `capacity` in the batch's order and drop the rest, counted.
    DropLast,
}

/// The settings of one batched event type.
#[derive(Debug, Clone, Copy)]
pub struct EventBatchConfig<E> {
    /// Events per batch that need no allocation: the batch and the flush's buffers are
    /// sized for it up front, and each thread's staging buffer for twice its share. With [`Overflow::DropLast`] it is also the most a batch delivers.
    pub capacity: usize,
    /// What happens past `capacity`.
    pub overflow: Overflow,
    /// Merges an event into an earlier one with the same key, so the batch holds one event
    /// per key (sum the damage to one target). `None` keeps every event.
    pub coalesce: Option<fn(&mut E, &E)>,
    /// Flushes of at least this many events run on the compute pool, each step split
    /// between its threads (the batch is the same). Off by default (`usize::MAX`): on two
    /// cores it did not pay for itself, and each parallel step allocates as a `par_iter`
    /// call does (Bevy's task scope).
    pub parallel_from: usize,
}

impl<E> Default for EventBatchConfig<E> {
    fn default() -> Self {
        Self {
            capacity: 1024,
            overflow: Overflow::Grow,
            coalesce: None,
            parallel_from: usize::MAX,
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
        self.overflow = Overflow::DropLast;
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
