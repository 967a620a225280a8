//! The flush: every thread's staged events become one batch in a defined order.

use std::time::Instant;

use bevy::ecs::resource::Resource;
use bevy::ecs::system::{Res, ResMut};
use cohort_sim::SimTick;

use crate::batch::EventBatch;
use crate::config::{EventBatchConfig, Overflow};
use crate::order::{SortKey, Sorter};
use crate::staging::{EventStaging, Staged};
use crate::stats::FlushFigures;

/// The flush's reusable buffers and the type's settings.
#[derive(Resource)]
pub(crate) struct FlushState<E: Send + Sync + 'static> {
    pub config: EventBatchConfig<E>,
    staged: Vec<Staged<E>>,
    sorter: Sorter,
    /// Tracy's plot of this type's events per flush, named once at registration.
    #[cfg(feature = "tracy")]
    plot: tracy_client::PlotName,
}

impl<E: Send + Sync + 'static> FlushState<E> {
    /// `name` is the type's name in reports.
    #[cfg_attr(not(feature = "tracy"), expect(unused_variables))]
    pub(crate) fn new(config: EventBatchConfig<E>, name: &str) -> Self {
        let capacity = config.capacity;
        let mut sorter = Sorter::default();
        sorter.reserve(capacity);
        Self {
            config,
            staged: Vec::with_capacity(capacity),
            sorter,
            #[cfg(feature = "tracy")]
            plot: tracy_client::PlotName::new_leak(format!("events sent: {name}")),
        }
    }

    /// Sorts the gathered events' positions into the batch's order: by key, source and
    /// writer rank, then as staged. Returns 1 if the sort buffers had to grow.
    fn order(&mut self) -> u64 {
        let capacity = self.sorter.capacity();
        self.sorter.sort(&self.staged, |staged| SortKey {
            key: staged.key,
            source: staged.source,
            rank: staged.rank,
        });
        u64::from(self.sorter.capacity() > capacity)
    }
}

/// Flushes `E`: gathers every thread's buffer, orders it by key, source and writer, and
/// moves the events into the batch in that order, dropping past capacity (with
/// [`Overflow::DropLast`]) and coalescing equal keys on the way.
pub(crate) fn flush_events<E: Send + Sync + 'static>(
    mut staging: ResMut<EventStaging<E>>,
    mut state: ResMut<FlushState<E>>,
    mut batch: ResMut<EventBatch<E>>,
    tick: Option<Res<SimTick>>,
) {
    let started = Instant::now();
    let sim_tick = tick.map_or(0, |tick| tick.0);
    // Latency is a difference of ticks: the low 32 bits are enough.
    let tick = sim_tick as u32;
    let state = &mut *state;
    let mut figures = FlushFigures::default();
    let staged_capacity = state.staged.capacity();
    for buffer in staging.buffers.iter_mut() {
        // `append` leaves each thread's buffer empty with its capacity.
        state.staged.append(buffer);
    }
    figures.growths += u64::from(state.staged.capacity() > staged_capacity);
    figures.sent = state.staged.len() as u64;
    figures.growths += state.order();

    let limit = match state.config.overflow {
        Overflow::DropLast => state.config.capacity,
        Overflow::Grow => usize::MAX,
    };
    let coalesce = state.config.coalesce;
    let batch = &mut *batch;
    let batch_capacity = batch.events.capacity();
    batch.events.clear();
    batch.keys.clear();
    let staged = &mut state.staged;
    let base = staged.as_ptr();
    // SAFETY: the loop below moves every element out exactly once (the sorted indices are
    // a permutation of `0..len`), so the vector must not drop them too. Should the loop
    // panic (a user `coalesce`), the elements not yet moved leak; none is dropped twice.
    unsafe { staged.set_len(0) };
    for (position, &index) in state.sorter.order.iter().enumerate() {
        // SAFETY: `index < len` of the elements set aside above, and no index repeats.
        let staged = unsafe { std::ptr::read(base.add(index as usize)) };
        if position >= limit {
            figures.dropped += 1;
            continue;
        }
        batch.stats.record_latency(tick.wrapping_sub(staged.tick));
        if let Some(merge) = coalesce
            && batch.keys.last() == Some(&staged.key)
            && let Some(earlier) = batch.events.last_mut()
        {
            merge(earlier, &staged.event);
            figures.coalesced += 1;
            continue;
        }
        batch.keys.push(staged.key);
        batch.events.push(staged.event);
    }
    figures.growths += u64::from(batch.events.capacity() > batch_capacity);
    figures.batch = batch.events.len();
    batch.flush += 1;
    batch.tick = sim_tick;
    figures.nanos = started.elapsed().as_nanos() as u64;
    batch.stats.record_flush(&figures);
    #[cfg(feature = "tracy")]
    if let Some(client) = tracy_client::Client::running() {
        client.plot(state.plot, figures.sent as f64);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// One write: the thread it ran on, its key, its writer, and a value that names it.
    type Write = (usize, u64, u32, u32);

    proptest! {
        /// Whatever the threads and their interleaving, the batch is the writes sorted
        /// by (key, writer), each such group in the order it was written.
        #[test]
        fn the_merge_is_the_defined_order(
            writes in prop::collection::vec((0usize..4, 0u64..40, 0u32..3), 0..300),
        ) {
            // A (key, writer) group comes from one closure run on one thread: pin each
            // group to the thread of its first write.
            let mut thread_of = std::collections::HashMap::new();
            let writes: Vec<Write> = writes
                .iter()
                .enumerate()
                .map(|(value, &(thread, key, rank))| {
                    let thread = *thread_of.entry((key, rank)).or_insert(thread);
                    (thread, key, rank, value as u32)
                })
                .collect();
            let mut threads: Vec<Vec<Staged<u32>>> = (0..4).map(|_| Vec::new()).collect();
            for &(thread, key, rank, value) in &writes {
                threads[thread].push(Staged { key, source: 0, rank, tick: 0, event: value });
            }
            let mut state = FlushState::new(EventBatchConfig::<u32>::default(), "u32");
            // Gather in a thread order that differs from the writes' order.
            for buffer in threads.iter_mut().rev() {
                state.staged.append(buffer);
            }
            state.order();
            let got: Vec<u32> = state
                .sorter
                .order
                .iter()
                .map(|&index| state.staged[index as usize].event)
                .collect();

            let mut expected = writes.clone();
            expected.sort_by_key(|&(_, key, rank, _)| (key, rank));
            let expected: Vec<u32> = expected.iter().map(|write| write.3).collect();
            prop_assert_eq!(got, expected);
        }
    }
}
