//! `BatchWriter`: the system parameter that writes batched events.

use std::cell::RefMut;
use std::marker::PhantomData;

use bevy::ecs::system::{Local, Res, SystemParam};
use bevy::ecs::world::{FromWorld, World};
use cohort_sim::SimTick;

use crate::key::EventKey;
use crate::staging::{EventStaging, Partitioning, Staged, ThreadStage};

/// Writes events of type `E` into this thread's buffer: shared access only, so any number
/// of writer systems run in parallel, and `write` works inside `par_iter` closures.
///
/// ```
/// # use bevy::prelude::*;
/// # use cohort_events::BatchWriter;
/// # #[derive(Clone, Copy)] struct Damage { target: Entity, amount: f32 }
/// # #[derive(Component)] struct Target(Entity);
/// fn attack(attackers: Query<(Entity, &Target)>, damage: BatchWriter<Damage>) {
///     attackers.par_iter().for_each(|(attacker, target)| {
///         // Keyed by target, ordered by attacker: the same order on any thread count.
///         damage.write_from(target.0, attacker, Damage { target: target.0, amount: 3.0 });
///     });
/// }
/// ```
#[derive(SystemParam)]
pub struct BatchWriter<'w, 's, E: Send + Sync + 'static> {
    staging: Res<'w, EventStaging<E>>,
    tick: Option<Res<'w, SimTick>>,
    rank: Local<'s, WriterRank<E>>,
}

impl<E: Send + Sync + 'static> BatchWriter<'_, '_, E> {
    /// Writes one event under `key`, the batch's order and grouping (see [`EventKey`]).
    /// Use it when `key` is the writer's own entity (the source).
    #[inline]
    pub fn write(&self, key: impl Into<EventKey>, event: E) {
        self.write_from(key, 0u64, event);
    }

    /// Writes one event under `key` from `source`: events of one key are ordered by
    /// source. Use it when many sources write under one key (hits keyed by their
    /// target), so that their order does not depend on which thread ran which source.
    #[inline]
    pub fn write_from(&self, key: impl Into<EventKey>, source: impl Into<EventKey>, event: E) {
        self.staging.push(Staged {
            key: key.into().0,
            source: source.into().0,
            rank: self.rank.rank,
            tick: self.tick(),
            event,
        });
    }

    /// This thread's buffer, held until the returned writer drops: one look-up of the
    /// thread's buffer for all the events written through it, where
    /// [`write_from`](Self::write_from) looks it up per event. The order is the same.
    ///
    /// Hold it for one closure call (or one `for_each_init` batch), not across a nested
    /// parallel loop: a second borrow of the same thread's buffer panics.
    ///
    /// ```
    /// # use bevy::prelude::*;
    /// # use cohort_events::BatchWriter;
    /// # #[derive(Clone, Copy)] struct Damage { amount: f32 }
    /// # #[derive(Component)] struct Target(Entity);
    /// fn attack(attackers: Query<(Entity, &Target)>, damage: BatchWriter<Damage>) {
    ///     attackers.par_iter().for_each_init(
    ///         || damage.local(),
    ///         |damage, (attacker, target)| {
    ///             damage.write_from(target.0, attacker, Damage { amount: 2.0 });
    ///             damage.write_from(target.0, attacker, Damage { amount: 1.0 });
    ///         },
    ///     );
    /// }
    /// ```
    #[inline]
    pub fn local(&self) -> LocalBatchWriter<'_, E> {
        LocalBatchWriter {
            buffer: self.staging.local(),
            partitioning: self.staging.partitioning,
            rank: self.rank.rank,
            tick: self.tick(),
        }
    }

    #[inline]
    fn tick(&self) -> u32 {
        // Latency is a difference of ticks: the low 32 bits are enough.
        self.tick.as_ref().map_or(0, |tick| tick.0 as u32)
    }

    /// This writer's rank: its place in the batch's order among writers with equal keys
    /// and sources. Ranks follow the order Bevy initializes the writer systems in, which
    /// the app's build fixes (the same on every run and any thread count); adding the
    /// systems in another order may reorder such ties.
    pub fn rank(&self) -> u32 {
        self.rank.rank
    }
}

/// One thread's buffer of a [`BatchWriter`], held: see [`BatchWriter::local`].
pub struct LocalBatchWriter<'a, E: Send + Sync + 'static> {
    buffer: RefMut<'a, ThreadStage<E>>,
    partitioning: Partitioning,
    rank: u32,
    tick: u32,
}

impl<E: Send + Sync + 'static> LocalBatchWriter<'_, E> {
    /// As [`BatchWriter::write`].
    #[inline]
    pub fn write(&mut self, key: impl Into<EventKey>, event: E) {
        self.write_from(key, 0u64, event);
    }

    /// As [`BatchWriter::write_from`].
    #[inline]
    pub fn write_from(&mut self, key: impl Into<EventKey>, source: impl Into<EventKey>, event: E) {
        self.buffer.push(
            self.partitioning,
            Staged {
                key: key.into().0,
                source: source.into().0,
                rank: self.rank,
                tick: self.tick,
                event,
            },
        );
    }
}

/// A writer system's rank, taken once when Bevy initializes the system.
#[doc(hidden)]
pub struct WriterRank<E> {
    rank: u32,
    _event: PhantomData<fn() -> E>,
}

impl<E: Send + Sync + 'static> FromWorld for WriterRank<E> {
    fn from_world(world: &mut World) -> Self {
        // Without the staging resource the writer's `Res` fails validation and the system
        // does not run, with Bevy naming the missing resource.
        let rank = world
            .get_resource::<EventStaging<E>>()
            .map_or(u32::MAX, EventStaging::take_rank);
        Self {
            rank,
            _event: PhantomData,
        }
    }
}
