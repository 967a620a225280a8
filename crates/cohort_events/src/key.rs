//! The key that orders (and groups) a batch.

use bevy::ecs::entity::Entity;
use cohort_sim::SimId;

/// What a batch is sorted by: events come out by key, then by source, then by writer (the
/// order Bevy initialized the writing systems in), then in the order they were written.
/// Key by the source (the attacker) for a replay-like order, or by the target, with the
/// source beside it ([`BatchWriter::write_from`](crate::BatchWriter::write_from)), to
/// group and coalesce per target.
///
/// Events with equal key, source and writer keep their write order only when one closure
/// call on one thread wrote them, as a `par_iter` closure for one entity does. That is the
/// rule that makes the order independent of threads: one (key, source) per closure call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventKey(pub u64);

impl From<u64> for EventKey {
    fn from(key: u64) -> Self {
        Self(key)
    }
}

impl From<u32> for EventKey {
    fn from(key: u32) -> Self {
        Self(u64::from(key))
    }
}

impl From<Entity> for EventKey {
    /// The entity's bits ([`Entity::to_bits`]), so [`Entity::try_from_bits`] gives it back.
    /// Entities spawned in the same order get the same bits on any thread count.
    fn from(entity: Entity) -> Self {
        Self(entity.to_bits())
    }
}

impl From<SimId> for EventKey {
    fn from(id: SimId) -> Self {
        Self(id.0)
    }
}
