//! The flush: every thread's staged events become one batch in a defined order.

use std::ops::Range;
use std::time::Instant;

use bevy::ecs::resource::Resource;
use bevy::ecs::system::{Res, ResMut};
use bevy::ecs::world::World;
use bevy::tasks::ComputeTaskPool;
use cohort_sim::SimTick;

use crate::batch::EventBatch;
use crate::config::{BatchOverflow, EventBatchConfig};
use crate::counting::CountingSorter;
use crate::order::{Buffer, Places, Shared, SortKey, Sorter, run_tasks};
use crate::staging::{EventStaging, PARTS, Partitioning, Staged};
use crate::stats::{FlushFigures, LATENCY_BUCKETS, latency_bucket};

/// Thread buffers a flush expects at most without growing: the compute threads and a
/// few others (the main thread, a test's own thread).
const EXTRA_BUFFERS: usize = 4;

/// Events from which a batch's keys re-split the parts, when they no longer fit.
const PARTITION_FROM: usize = 8192;

/// The flush's reusable buffers and the type's settings.
#[derive(Resource)]
pub(crate) struct FlushState<E: Send + Sync + 'static> {
    pub config: EventBatchConfig<E>,
    /// Views of the thread buffers with their parts, in part order, during a flush only.
    buffers: Vec<PartBuffer<Staged<E>>>,
    /// The same views without their parts, for the sorter.
    views: Vec<Buffer<Staged<E>>>,
    /// Each part's buffers and place in the batch.
    parts: Vec<PartRange>,
    /// Per task, its sorters and what it delivered; one task unless the flush runs on
    /// the pool.
    tasks: Vec<PartTask>,
    /// The compute threads the buffers are sized for.
    threads: usize,
    /// How much the staging buffers had grown as of the last flush
    /// ([`EventStaging::room_grown`]): more at the next means a writer's push grew one.
    staging_grown: usize,
    /// Tracy's plot of this type's events per flush, named once at registration.
    #[cfg(feature = "tracy")]
    plot: tracy_client::PlotName,
}

/// One part of a flush: its buffers (a range of the views) and its events' first
/// position in the batch.
#[derive(Debug, Clone)]
struct PartRange {
    part: u32,
    buffers: Range<usize>,
    first: usize,
    len: usize,
}

/// What one task of a flush sorts with and what it delivered, part after part.
#[derive(Default)]
struct PartTask {
    general: Sorter,
    counting: CountingSorter,
    /// One general sort's results, before they join `delivered`.
    sorted: Vec<Delivered>,
    delivered: Vec<Delivered>,
}

impl Delivered {
    /// Counts an event delivered `late` ticks after it was written, this tick's ones in
    /// `current`, apart: one counter bumped per event would chain every increment
    /// through memory. Add `current` to `latency[0]` at the end.
    #[inline]
    fn count_latency(&mut self, current: &mut u64, late: u32) {
        match late {
            0 => *current += 1,
            late => self.latency[latency_bucket(late)] += 1,
        }
    }
}

impl PartTask {
    fn with_capacity(capacity: usize, buffers: usize, threads: usize) -> Self {
        let mut task = Self::default();
        task.general.reserve(capacity, buffers, threads);
        task.counting.reserve();
        task.sorted.reserve(threads);
        task.delivered.reserve(threads * PARTS);
        task
    }

    /// Every buffer's room, summed: it goes up exactly when one of them grew.
    fn footprint(&self) -> usize {
        self.general.footprint()
            + self.counting.footprint()
            + self.sorted.capacity()
            + self.delivered.capacity()
    }
}

/// A thread buffer's view, its part, and its place among the buffers as they came.
struct PartBuffer<T> {
    part: u32,
    arrival: u32,
    buffer: Buffer<T>,
}

/// What one task of a flush delivered: its events sit at `start..start + written` of the
/// batch until the flush packs the tasks' runs together.
#[derive(Debug, Default)]
struct Delivered {
    start: usize,
    written: usize,
    dropped: u64,
    coalesced: u64,
    latency: [u64; LATENCY_BUCKETS],
}

impl<E: Send + Sync + 'static> FlushState<E> {
    /// Every buffer's room, summed: it goes up exactly when one of them grew.
    fn footprint(&self) -> usize {
        self.buffers.capacity()
            + self.views.capacity()
            + self.parts.capacity()
            + self.tasks.iter().map(PartTask::footprint).sum::<usize>()
    }

    /// `name` is the type's name in reports.
    #[cfg_attr(not(feature = "tracy"), expect(unused_variables))]
    pub(crate) fn new(config: EventBatchConfig<E>, name: &str) -> Self {
        let mut state = Self {
            config,
            buffers: Vec::new(),
            views: Vec::new(),
            parts: Vec::with_capacity(PARTS),
            tasks: Vec::new(),
            threads: 0,
            staging_grown: 0,
            #[cfg(feature = "tracy")]
            plot: tracy_client::PlotName::new_leak(format!("events sent: {name}")),
        };
        state.fit_threads();
        state
    }

    /// Sizes the buffers for the compute pool's threads, if they changed since: at
    /// registration, and again at start-up (a type registered before the pool was made
    /// would otherwise keep one thread's sizes).
    pub(crate) fn fit_threads(&mut self) {
        let threads = compute_threads();
        if threads == self.threads {
            return;
        }
        self.threads = threads;
        let buffers = (threads + EXTRA_BUFFERS) * PARTS;
        // Tasks beyond the first only when the flush may run on the pool.
        let tasks = if self.config.parallel_from == usize::MAX {
            1
        } else {
            threads
        };
        let capacity = self.config.capacity;
        self.buffers = Vec::with_capacity(buffers);
        self.views = Vec::with_capacity(buffers);
        self.tasks = (0..tasks)
            .map(|_| PartTask::with_capacity(capacity, buffers, threads))
            .collect();
    }
}

/// The compute pool's threads; 1 before it exists.
pub(crate) fn compute_threads() -> usize {
    ComputeTaskPool::try_get().map_or(1, |pool| pool.thread_num().max(1))
}

/// Sizes `E`'s flush and staging buffers for the compute pool's threads at start-up, and
/// makes every thread's staging buffer ([`EventStaging::prewarm`]).
pub(crate) fn fit_to_threads<E: Send + Sync + 'static>(world: &mut World) {
    if let Some(mut state) = world.get_resource_mut::<FlushState<E>>() {
        state.fit_threads();
        let capacity = state.config.capacity;
        if let Some(mut staging) = world.get_resource_mut::<EventStaging<E>>() {
            staging.per_thread_capacity = per_thread_capacity(capacity, compute_threads());
        }
    }
    EventStaging::<E>::prewarm(world);
}

/// Room each thread's staging buffer starts with: twice its share of the capacity (all
/// of it with two threads or fewer), so that uneven `par_iter` batches fit; a buffer
/// that needs more grows once and keeps it.
pub(crate) fn per_thread_capacity(capacity: usize, threads: usize) -> usize {
    (2 * capacity).div_ceil(threads.max(1)).min(capacity)
}

/// Flushes `E`: orders every thread's staged events by key, source and writer, and moves
/// them into the batch in that order, dropping past capacity (with [`BatchOverflow::DropLast`])
/// and coalescing equal keys on the way, part by part (see
/// [`Partitioning`](crate::staging::Partitioning)). From
/// [`EventBatchConfig::parallel_from`] events the parts are shared between the compute
/// threads, each task a run of whole parts; the batch is the same.
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
    let pool = ComputeTaskPool::try_get().map(|pool| &**pool);
    let parallel_from = state.config.parallel_from;
    let partitioning = staging.partitioning;
    let staging_grown = staging.room_grown();
    let mut figures = flush_into(
        staging.buffers_mut(),
        partitioning,
        &mut state,
        &mut batch,
        tick,
        pool,
        parallel_from,
    );
    let mut grown_after = staging_grown;
    if let Some(partitioning) = repartition(staging.partitioning, &figures, &batch) {
        staging.partitioning = partitioning;
        staging.spread_room();
        grown_after = staging.room_grown();
    }
    // The writers' growth since the last flush, and the re-split's.
    figures.growths +=
        u64::from(staging_grown > state.staging_grown) + u64::from(grown_after > staging_grown);
    state.staging_grown = grown_after;
    batch.flush += 1;
    batch.tick = sim_tick;
    figures.nanos = started.elapsed().as_nanos() as u64;
    batch.stats.record_flush(&figures);
    #[cfg(feature = "tracy")]
    if let Some(client) = tracy_client::Client::running() {
        client.plot(state.plot, figures.sent as f64);
    }
}

/// The partitioning the next writes should use, if not `current`: one that spreads this
/// batch's keys over the parts, once a batch is big enough to be worth splitting. Small
/// batches leave it as it is, so a quiet tick between two large ones moves nothing.
fn repartition<E: Send + Sync + 'static>(
    current: Partitioning,
    figures: &FlushFigures,
    batch: &EventBatch<E>,
) -> Option<Partitioning> {
    let (&lowest, &highest) = (batch.keys.first()?, batch.keys.last()?);
    if (figures.sent as usize) < PARTITION_FROM || current.fits(lowest, highest) {
        return None;
    }
    Some(Partitioning::spanning(lowest, highest))
}

/// The flush's work, on `pool` from `crossover` events: returns its figures but the time.
/// `staged` are the thread buffers, each with its part of `partitioning`.
fn flush_into<'a, E: Send + Sync + 'static>(
    staged: impl IntoIterator<Item = (usize, &'a mut Vec<Staged<E>>)>,
    partitioning: Partitioning,
    state: &mut FlushState<E>,
    batch: &mut EventBatch<E>,
    tick: u32,
    pool: Option<&bevy::tasks::TaskPool>,
    crossover: usize,
) -> FlushFigures {
    let mut figures = FlushFigures::default();
    let footprint = state.footprint();
    state.buffers.clear();
    for (part, buffer) in staged {
        if !buffer.is_empty() {
            let arrival = state.buffers.len() as u32;
            state.buffers.push(PartBuffer {
                part: part as u32,
                arrival,
                buffer: Buffer::of(buffer),
            });
            // SAFETY: the elements stay where they are, owned by the views above, until
            // the delivery below moves each out exactly once. Should a user `coalesce`
            // panic, the ones not yet moved leak; none is dropped twice.
            unsafe { buffer.set_len(0) };
        }
    }
    // Part after part; inside a part, the buffers as they came.
    state
        .buffers
        .sort_unstable_by_key(|buffer| (buffer.part, buffer.arrival));
    state.views.clear();
    state
        .views
        .extend(state.buffers.iter().map(|buffer| buffer.buffer));
    let sent: usize = state.views.iter().map(Buffer::len).sum();
    figures.sent = sent as u64;

    let limit = match state.config.overflow {
        BatchOverflow::DropLast => state.config.capacity,
        BatchOverflow::Grow => usize::MAX,
    };
    let coalesce = state.config.coalesce;
    let batch_capacity = batch.events.capacity();
    batch.events.clear();
    batch.keys.clear();
    let room = sent.min(limit);
    batch.events.reserve(room);
    batch.keys.reserve(room);
    figures.growths += u64::from(batch.events.capacity() > batch_capacity);
    let key_of = |staged: &Staged<E>| SortKey {
        key: staged.key,
        source: staged.source,
        rank: staged.rank,
    };
    let events = Shared::spare(&mut batch.events);
    let keys = Shared::spare(&mut batch.keys);
    // Moves the sorted events of `buffers` into the batch from position `first` on.
    let deliver = |buffers: &[Buffer<Staged<E>>],
                   first: usize,
                   positions: Range<usize>,
                   words: &[u64],
                   places: Places| {
        let mut delivered = Delivered {
            start: first + positions.start,
            ..Delivered::default()
        };
        let mut current = 0;
        for (position, &word) in positions.zip(words) {
            let (buffer, offset) = places.decode(word);
            // SAFETY: the sort hands out each place once, inside its buffer.
            let staged = unsafe { buffers[buffer].take(offset) };
            if first + position >= limit {
                delivered.dropped += 1;
                continue;
            }
            delivered.count_latency(&mut current, tick.wrapping_sub(staged.tick));
            let at = delivered.start + delivered.written;
            if let Some(merge) = coalesce
                && delivered.written > 0
                // SAFETY: written by this task just before, inside its range.
                && unsafe { *keys.at(at - 1) } == staged.key
            {
                // SAFETY: as above; no other task touches this range.
                merge(unsafe { &mut *events.at(at - 1) }, &staged.event);
                delivered.coalesced += 1;
                continue;
            }
            // SAFETY: `at < room`, inside the capacity reserved above, and inside
            // this task's range of positions, which no other task writes.
            unsafe {
                keys.at(at).write(staged.key);
                events.at(at).write(staged.event);
            }
            delivered.written += 1;
        }
        delivered.latency[0] += current;
        delivered
    };
    // Part after part, each sorted on its own: a key never spans two parts, and the
    // parts are in key order, so the parts in order are the whole batch sorted.
    state.parts.clear();
    let mut first = 0;
    for (index, buffer) in state.buffers.iter().enumerate() {
        match state.parts.last_mut() {
            Some(range) if range.part == buffer.part => {
                range.buffers.end = index + 1;
                range.len += buffer.buffer.len();
            }
            _ => state.parts.push(PartRange {
                part: buffer.part,
                buffers: index..index + 1,
                first,
                len: buffer.buffer.len(),
            }),
        }
        first += buffer.buffer.len();
    }
    let views = &state.views[..];
    let parts = &state.parts[..];
    // Sorts `parts` with `task`'s sorters; the general sort of a lone part may use `pool`.
    let sort_parts = |task: &mut PartTask, parts: &[PartRange], pool| {
        task.delivered.clear();
        for range in parts {
            let buffers = &views[range.buffers.clone()];
            let first = range.first;
            let (low, bits) = partitioning.range_of(range.part as usize);
            let mut delivered = Delivered {
                start: first,
                ..Delivered::default()
            };
            let mut current = 0;
            let counted = task
                .counting
                .sort(buffers, key_of, low, bits, |at, buffer, offset| {
                    // SAFETY: the counting sort places each event once, inside its buffer.
                    let staged = unsafe { buffers[buffer].take(offset) };
                    let at = first + at;
                    if at >= limit {
                        delivered.dropped += 1;
                        return;
                    }
                    delivered.count_latency(&mut current, tick.wrapping_sub(staged.tick));
                    // SAFETY: `at < room`, inside the reserved capacity and inside this
                    // part's positions, which no other task writes.
                    unsafe {
                        keys.at(at).write(staged.key);
                        events.at(at).write(staged.event);
                    }
                });
            if counted.is_some() {
                let placed = range.len.min(limit.saturating_sub(first));
                delivered.written = placed;
                delivered.latency[0] += current;
                if let Some(merge) = coalesce {
                    // SAFETY: the part's `placed` positions from `first` were written
                    // just above, by this task only.
                    let (written, coalesced) =
                        unsafe { coalesce_in_place(keys, events, first, placed, merge) };
                    delivered.written = written;
                    delivered.coalesced = coalesced;
                }
                task.delivered.push(delivered);
            } else {
                task.general.sort(
                    buffers,
                    key_of,
                    pool,
                    crossover,
                    coalesce.is_some(),
                    &mut task.sorted,
                    |positions, words, places| deliver(buffers, first, positions, words, places),
                );
                task.delivered.append(&mut task.sorted);
            }
        }
    };
    let tasks = match pool {
        Some(pool) if sent >= crossover && parts.len() > 1 => {
            pool.thread_num().min(state.tasks.len()).min(parts.len())
        }
        _ => 1,
    };
    if tasks == 1 {
        sort_parts(&mut state.tasks[0], parts, pool);
    } else {
        // Each task a run of whole parts with about as many events as the others.
        let tasks_of = Shared::new(&mut state.tasks);
        run_tasks(pool, tasks, |task| {
            let share =
                |task: usize| parts.partition_point(|range| range.first < sent * task / tasks);
            // SAFETY: each task takes its own slot.
            let mine = unsafe { &mut *tasks_of.at(task) };
            sort_parts(mine, &parts[share(task)..share(task + 1)], None);
        });
    }
    // Pack the tasks' runs together: each starts at or after where it belongs.
    let mut len = 0;
    for delivered in state.tasks[..tasks].iter().flat_map(|task| &task.delivered) {
        if delivered.start != len {
            // SAFETY: both runs lie in the reserved capacity, the source holds
            // `written` initialized events, and `copy` allows overlap.
            unsafe {
                std::ptr::copy(
                    events.at(delivered.start),
                    events.at(len),
                    delivered.written,
                );
                std::ptr::copy(keys.at(delivered.start), keys.at(len), delivered.written);
            }
        }
        len += delivered.written;
        figures.dropped += delivered.dropped;
        figures.coalesced += delivered.coalesced;
        batch.stats.record_latencies(&delivered.latency);
    }
    // SAFETY: the first `len` events and keys were written above, each once.
    unsafe {
        batch.events.set_len(len);
        batch.keys.set_len(len);
    }
    state.buffers.clear();
    state.views.clear();
    figures.growths += u64::from(state.footprint() > footprint);
    figures.batch = len;
    figures
}

/// Merges runs of equal keys among the `len` events written from `start` with `merge`,
/// packing the survivors to the front; returns how many remain and how many merged.
///
/// # Safety
/// `start..start + len` of `keys` and `events` hold written values that no one else
/// touches meanwhile. Should `merge` panic, the values not yet packed are leaked (the
/// batch's length is set only after the flush), none is dropped twice.
unsafe fn coalesce_in_place<E>(
    keys: Shared<u64>,
    events: Shared<E>,
    start: usize,
    len: usize,
    merge: fn(&mut E, &E),
) -> (usize, u64) {
    let (mut written, mut coalesced) = (0, 0);
    for at in start..start + len {
        // SAFETY: the caller's promise: `at` and every earlier packed position hold
        // written values; a value is read out of `at` once, and `at` is not read again.
        unsafe {
            let into = start + written;
            if written > 0 && *keys.at(into - 1) == *keys.at(at) {
                let later = std::ptr::read(events.at(at));
                merge(&mut *events.at(into - 1), &later);
                coalesced += 1;
            } else {
                if into != at {
                    keys.at(into).write(*keys.at(at));
                    events.at(into).write(std::ptr::read(events.at(at)));
                }
                written += 1;
            }
        }
    }
    (written, coalesced)
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use bevy::tasks::{TaskPool, TaskPoolBuilder};
    use proptest::prelude::*;

    use super::*;

    /// One write: the thread it ran on, its key, its writer, and a value that names it.
    type Write = (usize, u64, u32, u32);

    /// Pools of 1, 2 and 4 threads, made once for every case.
    fn pools() -> &'static [TaskPool] {
        static POOLS: OnceLock<Vec<TaskPool>> = OnceLock::new();
        POOLS.get_or_init(|| {
            [1, 2, 4]
                .map(|threads| TaskPoolBuilder::new().num_threads(threads).build())
                .into()
        })
    }

    /// Pins each (key, writer) group to the thread of its first write: such a group comes
    /// from one closure run on one thread.
    fn pinned(writes: &[(usize, u64, u32)]) -> Vec<Write> {
        let mut thread_of = std::collections::HashMap::new();
        writes
            .iter()
            .enumerate()
            .map(|(value, &(thread, key, rank))| {
                let thread = *thread_of.entry((key, rank)).or_insert(thread);
                (thread, key, rank, value as u32)
            })
            .collect()
    }

    /// Flushes `writes` with `config` on `pool` (parallel from the first event), and
    /// returns the batch's keys and events and the flush's figures.
    fn flush(
        writes: &[Write],
        config: EventBatchConfig<u32>,
        pool: Option<&TaskPool>,
    ) -> (Vec<u64>, Vec<u32>, FlushFigures) {
        flush_parted(writes, config, pool, Partitioning::WHOLE)
    }

    /// As [`flush`], the writes split into parts by `partitioning` as writers split them.
    fn flush_parted(
        writes: &[Write],
        config: EventBatchConfig<u32>,
        pool: Option<&TaskPool>,
        partitioning: Partitioning,
    ) -> (Vec<u64>, Vec<u32>, FlushFigures) {
        let mut threads: Vec<Vec<Vec<Staged<u32>>>> = (0..4)
            .map(|_| (0..PARTS).map(|_| Vec::new()).collect())
            .collect();
        for &(thread, key, rank, value) in writes {
            threads[thread][partitioning.part(key)].push(Staged {
                key,
                source: 0,
                rank,
                tick: 0,
                event: value,
            });
        }
        // On a pool, from the first event (as `flush_into` is told below).
        let config = match pool {
            Some(_) => config.parallel_from(1),
            None => config,
        };
        let mut state = FlushState::new(config, "u32");
        let mut batch = EventBatch::with_capacity(config.capacity);
        // Gather in a thread order that differs from the writes' order.
        let figures = flush_into(
            threads
                .iter_mut()
                .rev()
                .flat_map(|parts| parts.iter_mut().enumerate()),
            partitioning,
            &mut state,
            &mut batch,
            0,
            pool,
            1,
        );
        assert!(
            threads.iter().flatten().all(Vec::is_empty),
            "the buffers are emptied"
        );
        (batch.keys.clone(), batch.events.clone(), figures)
    }

    /// The defined order: by (key, writer), each group as written, buffers in the order
    /// the flush visits them (reversed above), then coalesced and cut as configured.
    fn reference(writes: &[Write], config: EventBatchConfig<u32>) -> (Vec<u64>, Vec<u32>, u64) {
        let mut sorted = writes.to_vec();
        sorted.sort_by_key(|&(thread, key, rank, _)| (key, rank, std::cmp::Reverse(thread)));
        let limit = match config.overflow {
            BatchOverflow::DropLast => config.capacity,
            BatchOverflow::Grow => usize::MAX,
        };
        let dropped = sorted.len().saturating_sub(limit) as u64;
        sorted.truncate(limit);
        let (mut keys, mut events) = (Vec::new(), Vec::<u32>::new());
        for (_, key, _, value) in sorted {
            match (config.coalesce, keys.last(), events.last_mut()) {
                (Some(merge), Some(&last), Some(earlier)) if last == key => merge(earlier, &value),
                _ => {
                    keys.push(key);
                    events.push(value);
                }
            }
        }
        (keys, events, dropped)
    }

    fn sum(earlier: &mut u32, later: &u32) {
        *earlier = earlier.wrapping_mul(31).wrapping_add(*later);
    }

    fn check(writes: &[Write], config: EventBatchConfig<u32>) -> Result<(), TestCaseError> {
        let (keys, events, dropped) = reference(writes, config);
        let serial = flush(writes, config, None);
        prop_assert_eq!(&serial.0, &keys);
        prop_assert_eq!(&serial.1, &events);
        prop_assert_eq!(serial.2.dropped, dropped);
        prop_assert_eq!(serial.2.sent, writes.len() as u64);
        // Split into parts as writers split them: one key a part, and coarser parts with
        // keys below the first clamped into it; on its own thread and on the pools.
        let partitionings = [
            Partitioning::spanning(0, 39),
            Partitioning::spanning(10, 20),
        ];
        for partitioning in partitionings {
            for pool in [None].into_iter().chain(pools().iter().map(Some)) {
                let parted = flush_parted(writes, config, pool, partitioning);
                prop_assert_eq!(&parted.0, &keys, "{:?}", partitioning);
                prop_assert_eq!(&parted.1, &events, "{:?}", partitioning);
                prop_assert_eq!(parted.2.dropped, dropped);
                prop_assert_eq!(parted.2.coalesced, serial.2.coalesced);
            }
        }
        for pool in pools() {
            let parallel = flush(writes, config, Some(pool));
            prop_assert_eq!(&parallel.0, &keys, "{} threads", pool.thread_num());
            prop_assert_eq!(&parallel.1, &events, "{} threads", pool.thread_num());
            prop_assert_eq!(parallel.2.dropped, dropped);
            prop_assert_eq!(parallel.2.coalesced, serial.2.coalesced);
        }
        Ok(())
    }

    proptest! {
        /// Whatever the threads and their interleaving, the batch is the writes sorted
        /// by (key, writer), each such group in the order it was written; the same on
        /// its own thread and on pools of 1, 2 and 4 threads.
        #[test]
        fn the_merge_is_the_defined_order(
            writes in prop::collection::vec((0usize..4, 0u64..40, 0u32..3), 0..300),
        ) {
            check(&pinned(&writes), EventBatchConfig::default())?;
        }

        /// Coalescing and dropping past capacity give the same batch in parallel.
        #[test]
        fn coalescing_and_dropping_are_the_same_in_parallel(
            writes in prop::collection::vec((0usize..4, 0u64..40, 0u32..3), 0..300),
            capacity in 0usize..300,
        ) {
            let writes = pinned(&writes);
            check(&writes, EventBatchConfig::default().coalesce(sum))?;
            check(&writes, EventBatchConfig::default().with_capacity(capacity).drop_past_capacity())?;
            check(
                &writes,
                EventBatchConfig::default()
                    .with_capacity(capacity)
                    .drop_past_capacity()
                    .coalesce(sum),
            )?;
        }
    }

    /// Two threads' `par_iter` batches of rising sources, keyed over 0..48: with one key a
    /// part every part takes the counting sort; with every key in one part the radix
    /// sort. Coalescing and dropping past capacity give the same batch either way.
    #[test]
    fn counted_parts_coalesce_and_drop_as_the_radix_sort() {
        let flush_with = |partitioning: Partitioning, config: EventBatchConfig<u32>| {
            let mut threads: Vec<Vec<Vec<Staged<u32>>>> = (0..2)
                .map(|_| (0..PARTS).map(|_| Vec::new()).collect())
                .collect();
            for source in 0..2_000u64 {
                // Batches of 100 sources, taken by the threads in turns.
                let thread = (source / 100 % 2) as usize;
                for hit in 0..(source % 3 + 1) {
                    let key = (source * 7 + hit) % 48;
                    threads[thread][partitioning.part(key)].push(Staged {
                        key,
                        source,
                        rank: 0,
                        tick: 0,
                        event: (source * 10 + hit) as u32,
                    });
                }
            }
            let mut state = FlushState::new(config, "u32");
            let mut batch = EventBatch::with_capacity(config.capacity);
            let parts = threads
                .iter_mut()
                .flat_map(|parts| parts.iter_mut().enumerate());
            let figures = flush_into(parts, partitioning, &mut state, &mut batch, 0, None, 1);
            (
                batch.keys.clone(),
                batch.events.clone(),
                figures.dropped,
                figures.coalesced,
            )
        };
        let configs = [
            EventBatchConfig::default(),
            EventBatchConfig::default().coalesce(sum),
            EventBatchConfig::default()
                .with_capacity(2_500)
                .drop_past_capacity(),
            EventBatchConfig::default()
                .with_capacity(2_500)
                .drop_past_capacity()
                .coalesce(sum),
        ];
        for config in configs {
            let counted = flush_with(Partitioning::spanning(0, 47), config);
            let radix = flush_with(Partitioning::WHOLE, config);
            assert_eq!(counted, radix);
            assert!(counted.0.windows(2).all(|pair| pair[0] <= pair[1]));
        }
        let dropped = flush_with(
            Partitioning::spanning(0, 47),
            EventBatchConfig::default()
                .with_capacity(2_500)
                .drop_past_capacity(),
        );
        let written: u64 = (0..2_000u64).map(|source| source % 3 + 1).sum();
        assert_eq!(dropped.0.len(), 2_500);
        assert_eq!(dropped.2, written - 2_500);
    }

    #[test]
    fn a_spike_flushes_the_same_in_parallel() {
        // About 100k writes over 6,250 keys: above the bucket target, many top buckets.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let writes: Vec<Write> = (0..100_000u32)
            .map(|value| {
                (
                    (value / 25_000) as usize,
                    (1 << 32) | (next() % 6_250),
                    0,
                    value,
                )
            })
            .collect();
        for config in [
            EventBatchConfig::default(),
            EventBatchConfig::default().coalesce(sum),
        ] {
            check(&writes, config).unwrap();
        }
    }
}
