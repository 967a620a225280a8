//! `EventBatch`: one flush's events, in order, for every reader.

use bevy::ecs::resource::Resource;

use crate::stats::EventTypeStats;

/// The last flushed batch of `E`, sorted by key (then source, writer and write order), and the
/// type's stats. Read it with [`BatchReader`](crate::BatchReader) to see each batch
/// exactly once, or as `Res<EventBatch<E>>` to look at the current one.
#[derive(Resource)]
pub struct EventBatch<E: Send + Sync + 'static> {
    pub(crate) events: Vec<E>,
    pub(crate) keys: Vec<u64>,
    pub(crate) flush: u64,
    pub(crate) tick: u64,
    pub(crate) stats: EventTypeStats,
}

impl<E: Send + Sync + 'static> EventBatch<E> {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            events: Vec::with_capacity(capacity),
            keys: Vec::with_capacity(capacity),
            flush: 0,
            tick: 0,
            stats: EventTypeStats::default(),
        }
    }

    /// The events, in the batch's order.
    pub fn events(&self) -> &[E] {
        &self.events
    }

    /// Each event's key, beside [`events`](Self::events).
    pub fn keys(&self) -> &[u64] {
        &self.keys
    }

    /// Events with their keys.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (u64, &E)> {
        self.keys.iter().copied().zip(self.events.iter())
    }

    /// Runs of events with the same key, in key order: with the target as the key, each
    /// group is everything that happened to one target this tick.
    pub fn groups(&self) -> Groups<'_, E> {
        Groups {
            keys: &self.keys,
            events: &self.events,
            at: 0,
        }
    }

    pub(crate) fn groups_empty(&self) -> Groups<'_, E> {
        Groups {
            keys: &[],
            events: &[],
            at: 0,
        }
    }

    /// Events in the batch.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether the batch is empty.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Flushes so far; a reader that saw this number has seen this batch.
    pub fn flush_number(&self) -> u64 {
        self.flush
    }

    /// The simulation tick of the last flush.
    pub fn tick(&self) -> u64 {
        self.tick
    }

    /// This type's counters.
    pub fn stats(&self) -> &EventTypeStats {
        &self.stats
    }
}

/// Iterator over a batch's runs of equal keys: `(key, events)`.
pub struct Groups<'a, E> {
    keys: &'a [u64],
    events: &'a [E],
    at: usize,
}

impl<'a, E> Groups<'a, E> {
    pub(crate) fn new(keys: &'a [u64], events: &'a [E]) -> Self {
        Self {
            keys,
            events,
            at: 0,
        }
    }
}

impl<'a, E> Iterator for Groups<'a, E> {
    type Item = (u64, &'a [E]);

    fn next(&mut self) -> Option<Self::Item> {
        let start = self.at;
        let key = *self.keys.get(start)?;
        let length = self.keys[start..]
            .iter()
            .take_while(|&&other| other == key)
            .count();
        self.at = start + length;
        Some((key, &self.events[start..self.at]))
    }
}
