//! `BatchWriter`: the system parameter that writes batched events.

use std::marker::PhantomData;

use bevy::ecs::system::{Local, Res, SystemParam};
use bevy::ecs::world::{FromWorld, World};
use cohort_sim::SimTick;

use crate::key::EventKey;
use crate::staging::{EventStaging, Staged};

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
            tick: self.tick.as_ref().map_or(0, |tick| tick.0 as u32),
            event,
        });
    }

    /// This writer's rank: its place in the batch's order among writers with equal keys.
    pub fn rank(&self) -> u32 {
        self.rank.rank
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
