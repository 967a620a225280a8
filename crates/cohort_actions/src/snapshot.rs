//! Saving and loading queues with serde: one unit's queue, or every queue of a type with
//! the pool's figures, for save games and replays.

use std::fmt;

use bevy::ecs::entity::Entity;
use bevy::ecs::world::{Mut, World};
use serde::{Deserialize, Serialize};

use crate::config::QueueOverflow;
use crate::pool::{ActionPool, PoolSummary};
use crate::queue::ActionQueue;
use crate::queued::{ActionEnd, ActionState, Queued};
use crate::stats::{ActionCounts, LATENCY_BUCKETS, LatencyHistogram};

/// A current action as saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentSnapshot<A> {
    /// The action and its options.
    pub action: Queued<A>,
    /// Where it was in its life.
    pub state: ActionState,
    /// Ticks it had been current.
    pub ticks_running: u32,
}

/// One unit's queue as saved: what [`ActionPool::snapshot`] gives and
/// [`ActionPool::restore`] takes back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueSnapshot<A> {
    /// The current action.
    #[serde(default = "none")]
    pub current: Option<CurrentSnapshot<A>>,
    /// The queued actions, front first.
    pub queued: Vec<Queued<A>>,
    /// The queue's own capacity, if it had one.
    #[serde(default)]
    pub capacity: Option<u32>,
    /// The queue's own overflow policy, if it had one.
    #[serde(default)]
    pub overflow: Option<QueueOverflow>,
    /// How its previous action ended.
    #[serde(default)]
    pub last_end: Option<ActionEnd>,
}

fn none<T>() -> Option<T> {
    None
}

/// Every queue of one action type, keyed by entity bits, with the pool's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolSnapshot<A> {
    /// Size and use of the pool when saved.
    pub pool: PoolSummary,
    /// Its counters.
    pub counts: ActionCounts,
    /// Its latency histogram, as (ticks, count) pairs with a count.
    pub latency: Vec<(u32, u64)>,
    /// The tick of its last merge.
    pub tick: u64,
    /// Each unit's queue, by [`Entity::to_bits`], in ascending order.
    pub queues: Vec<(u64, QueueSnapshot<A>)>,
}

/// Why a snapshot could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotError {
    /// The queue belongs to another world's pool.
    ForeignQueue,
    /// The action type is not registered in this world.
    NotRegistered(&'static str),
    /// No entity for these saved units (by their saved bits); the others were loaded.
    MissingUnits(Vec<u64>),
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ForeignQueue => write!(f, "the queue belongs to another world's action pool"),
            Self::NotRegistered(name) => write!(
                f,
                "action type {name} is not registered: call app.add_action_queue::<{name}>() first"
            ),
            Self::MissingUnits(units) => write!(
                f,
                "{} saved units have no entity to load into (first: {:?})",
                units.len(),
                units.first()
            ),
        }
    }
}

impl std::error::Error for SnapshotError {}

impl<A: Send + Sync + 'static> ActionPool<A> {
    /// `queue` as saved data; [`SnapshotError::ForeignQueue`] if it links another pool's
    /// slots (this pool cannot read them).
    pub fn snapshot(&self, queue: &ActionQueue<A>) -> Result<QueueSnapshot<A>, SnapshotError>
    where
        A: Clone,
    {
        if !self.owns(queue) {
            return Err(SnapshotError::ForeignQueue);
        }
        Ok(QueueSnapshot {
            current: queue.current.as_ref().map(|action| CurrentSnapshot {
                action: action.clone(),
                state: queue.state(),
                ticks_running: queue.ticks_running(),
            }),
            queued: self.iter(queue).cloned().collect(),
            capacity: queue.capacity,
            overflow: queue.overflow,
            last_end: queue.last_end,
        })
    }

    /// Makes `queue` exactly what `snapshot` saved, past its capacity if need be; its
    /// previous actions go back to the pool uncounted.
    pub fn restore(
        &mut self,
        queue: &mut ActionQueue<A>,
        snapshot: QueueSnapshot<A>,
    ) -> Result<(), SnapshotError> {
        if !self.owns(queue) {
            return Err(SnapshotError::ForeignQueue);
        }
        self.release_slots(queue);
        *queue = ActionQueue::default();
        queue.capacity = snapshot.capacity;
        queue.overflow = snapshot.overflow;
        queue.last_end = snapshot.last_end;
        for item in snapshot.queued {
            self.restore_back(queue, item);
        }
        if let Some(current) = snapshot.current {
            self.restore_current(queue, current.action, current.state, current.ticks_running);
        }
        Ok(())
    }
}

/// Every `A` queue in `world`, with the pool's figures.
pub fn save_action_queues<A: Clone + Send + Sync + 'static>(
    world: &mut World,
) -> Result<PoolSnapshot<A>, SnapshotError> {
    let mut units = world.query::<(Entity, &ActionQueue<A>)>();
    let pool = world
        .get_resource::<ActionPool<A>>()
        .ok_or(SnapshotError::NotRegistered(std::any::type_name::<A>()))?;
    let mut queues = units
        .iter(world)
        .map(|(unit, queue)| Ok((unit.to_bits(), pool.snapshot(queue)?)))
        .collect::<Result<Vec<_>, SnapshotError>>()?;
    queues.sort_unstable_by_key(|(unit, _)| *unit);
    Ok(PoolSnapshot {
        pool: pool.summary(),
        counts: *pool.counts(),
        latency: pool.latency().nonzero().collect(),
        tick: pool.now(),
        queues,
    })
}

/// Loads a [`PoolSnapshot`] into `world`: the pool's figures, and each saved queue into
/// the entity `unit(bits)` names (the same entity when loading into the world it was saved
/// from, `|bits| Entity::try_from_bits(bits)`), adding the queue if it has none.
///
/// Nothing changes if a target entity's queue belongs to another world's pool
/// ([`SnapshotError::ForeignQueue`]). Saved units with no entity are skipped and listed
/// in [`SnapshotError::MissingUnits`]; the rest are loaded.
pub fn load_action_queues<A: PartialEq + Send + Sync + 'static>(
    world: &mut World,
    snapshot: PoolSnapshot<A>,
    mut unit: impl FnMut(u64) -> Option<Entity>,
) -> Result<(), SnapshotError> {
    let name = std::any::type_name::<A>();
    if !world.contains_resource::<ActionPool<A>>() {
        return Err(SnapshotError::NotRegistered(name));
    }
    // Every target is found and checked before any queue changes.
    let mut missing = Vec::new();
    let mut targets = Vec::with_capacity(snapshot.queues.len());
    for (bits, saved) in snapshot.queues {
        match unit(bits).filter(|&entity| world.get_entity(entity).is_ok()) {
            Some(entity) => targets.push((entity, saved)),
            None => missing.push(bits),
        }
    }
    let pool = world.resource::<ActionPool<A>>();
    let foreign = targets.iter().any(|(entity, _)| {
        world
            .get::<ActionQueue<A>>(*entity)
            .is_some_and(|queue| !pool.owns(queue))
    });
    if foreign {
        return Err(SnapshotError::ForeignQueue);
    }
    world.resource_scope(|world, mut pool: Mut<ActionPool<A>>| {
        for (entity, saved) in targets {
            let mut entity = world.entity_mut(entity);
            if !entity.contains::<ActionQueue<A>>() {
                entity.insert(ActionQueue::<A>::new());
            }
            let mut queue = entity
                .get_mut::<ActionQueue<A>>()
                .expect("the queue was just inserted");
            pool.restore(&mut queue, saved)
                .expect("every target was checked to be this pool's");
        }
        let mut latency = LatencyHistogram::default();
        for (ticks, count) in snapshot.latency {
            latency.record_many(u64::from(ticks).min(LATENCY_BUCKETS as u64 - 1), count);
        }
        pool.load_figures(snapshot.pool, snapshot.counts, latency, snapshot.tick);
    });
    if missing.is_empty() {
        Ok(())
    } else {
        Err(SnapshotError::MissingUnits(missing))
    }
}
