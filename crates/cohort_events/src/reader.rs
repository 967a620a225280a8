//! `BatchReader`: each reader system sees each batch at most once, and every batch if it
//! runs at least as often as the flush.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use bevy::ecs::entity::Entity;
use bevy::ecs::query::{IterQueryData, QueryData, QueryFilter};
use bevy::ecs::system::{Local, Query, Res, SystemParam};
use bevy::tasks::ComputeTaskPool;

use crate::batch::{EventBatch, Groups};
use crate::order::PARALLEL_CROSSOVER;

/// Reads batches of `E`: [`read`](Self::read) returns the latest batch the first time
/// this system calls it after a flush, and nothing after that until the next flush.
/// Any number of readers read the same batch in parallel. A reader that runs less often
/// than the flush (in a slower schedule, or behind a run condition) misses the batches
/// in between: only the latest one is kept.
#[derive(SystemParam)]
pub struct BatchReader<'w, 's, E: Send + Sync + 'static> {
    batch: Res<'w, EventBatch<E>>,
    seen: Local<'s, u64>,
}

impl<E: Send + Sync + 'static> BatchReader<'_, '_, E> {
    /// The batch's events if this reader has not seen them, else an empty slice.
    pub fn read(&mut self) -> &[E] {
        if self.take_new() {
            self.batch.events()
        } else {
            &[]
        }
    }

    /// Like [`read`](Self::read), as runs of events with the same key.
    pub fn read_groups(&mut self) -> Groups<'_, E> {
        if self.take_new() {
            self.batch.groups()
        } else {
            self.batch.groups_empty()
        }
    }

    /// Like [`read_groups`](Self::read_groups) for a batch keyed by entity: calls
    /// `apply(item, events)` once per key with the key's query item and its events, in
    /// parallel on the compute pool (groups of equal keys never split, so each entity's
    /// item is borrowed by one call only). Keys that are not an entity matching `query`
    /// are skipped; returns how many groups were. Below a few thousand events it runs on
    /// this thread; above, it allocates once what a `par_iter` call does (Bevy's task
    /// scope), so a reader that calls it belongs in `ParIterSystems`.
    ///
    /// ```
    /// # use bevy::prelude::*;
    /// # use cohort_events::BatchReader;
    /// # #[derive(Clone, Copy)] struct Damage(f32);
    /// # #[derive(Component)] struct Health(f32);
    /// fn apply(mut damage: BatchReader<Damage>, mut health: Query<&mut Health>) {
    ///     damage.par_for_each_group(&mut health, |mut health, hits| {
    ///         health.0 -= hits.iter().map(|hit| hit.0).sum::<f32>();
    ///     });
    /// }
    /// ```
    pub fn par_for_each_group<'w, 's, D: IterQueryData, F: QueryFilter>(
        &mut self,
        query: &mut Query<'w, 's, D, F>,
        apply: impl Fn(<D as QueryData>::Item<'_, 's>, &[E]) + Send + Sync,
    ) -> usize {
        if !self.take_new() {
            return 0;
        }
        let (keys, events) = (self.batch.keys(), self.batch.events());
        let query = &*query;
        let run = |range: std::ops::Range<usize>| {
            let mut skipped = 0;
            let groups = Groups::new(&keys[range.clone()], &events[range]);
            for (key, group) in groups {
                // SAFETY: keys of different groups differ (the batch is sorted by key,
                // and a group is a whole run of one key), so each call fetches another
                // entity; `D: IterQueryData` lets items of different entities live at
                // once without conflicting, and `&mut Query` keeps every other use of
                // this query out until all calls have returned.
                let item = Entity::try_from_bits(key)
                    .and_then(|entity| unsafe { query.get_unchecked(entity) }.ok());
                match item {
                    Some(item) => apply(item, group),
                    None => skipped += 1,
                }
            }
            skipped
        };
        let pool = ComputeTaskPool::try_get();
        let tasks = pool.map_or(1, |pool| pool.thread_num()).max(1);
        let Some(pool) = pool.filter(|_| tasks > 1 && keys.len() >= PARALLEL_CROSSOVER) else {
            return run(0..keys.len());
        };
        // Cut at about equal counts of events, each cut moved on to the next key.
        let cut = |task: usize| {
            let mut at = keys.len() * task / tasks;
            while at > 0 && at < keys.len() && keys[at] == keys[at - 1] {
                at += 1;
            }
            at
        };
        let (run, skipped) = (&run, &AtomicUsize::new(0));
        // No results out of the scope: a `Vec` of them would allocate on every call.
        pool.scope(|scope| {
            for task in 1..tasks {
                let range = cut(task)..cut(task + 1);
                scope.spawn(async move {
                    skipped.fetch_add(run(range), Relaxed);
                });
            }
            skipped.fetch_add(run(0..cut(1)), Relaxed);
        });
        skipped.load(Relaxed)
    }

    /// Whether a batch this reader has not seen is waiting.
    pub fn has_new(&self) -> bool {
        self.batch.flush_number() > *self.seen
    }

    fn take_new(&mut self) -> bool {
        let new = self.has_new();
        *self.seen = self.batch.flush_number();
        new
    }
}
