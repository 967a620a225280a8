//! Attacks and support casts staged by parallel systems, merged in a stable order.

use bevy::ecs::entity::Entity;
use bevy::ecs::resource::Resource;
use bevy::utils::Parallel;
use cohort_sim::SimId;

use crate::effects::Effect;
use crate::health::Hp;

/// Whether a hit is an attack or a support cast; part of the merge key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HitKind {
    /// Damage, and maybe an on-hit effect, from an enemy.
    Attack,
    /// An effect from an ally.
    Support,
}

/// One unit acting on another this tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Who is hit.
    pub target: Entity,
    /// The target's stable id, the first part of the merge key.
    pub target_id: SimId,
    /// Who hits, the second part of the merge key.
    pub source_id: SimId,
    /// Attack or support, the last part of the merge key.
    pub kind: HitKind,
    /// Damage before the target's armor (zero for support).
    pub damage: Hp,
    /// An effect put on the target.
    pub effect: Option<Effect>,
}

impl Hit {
    /// The order hits are applied in: by target, then source, then kind. It does not depend
    /// on which thread staged a hit first.
    pub fn merge_key(&self) -> (SimId, SimId, HitKind) {
        (self.target_id, self.source_id, self.kind)
    }
}

/// Per-thread staging of [`Hit`]s and the merged batch, both reused every tick.
#[derive(Resource, Default)]
pub struct HitQueue {
    staged: Parallel<Vec<Hit>>,
    merged: Vec<Hit>,
    /// Room each thread's staging buffer gets on its first hit.
    per_thread: usize,
}

impl HitQueue {
    /// A queue that holds `hits` a tick without growing, in the merged batch and in each
    /// thread's staging buffer: a unit makes at most one hit a tick, so a battle sizes it
    /// to its unit count and never allocates for it after each thread's first hit.
    pub fn with_capacity(hits: usize) -> Self {
        Self {
            staged: Parallel::default(),
            merged: Vec::with_capacity(hits),
            per_thread: hits,
        }
    }

    /// Stages a hit from any thread; no lock is taken.
    pub fn stage(&self, hit: Hit) {
        let mut staged = self.staged.borrow_local_mut();
        if staged.capacity() == 0 {
            staged.reserve(self.per_thread);
        }
        staged.push(hit);
    }

    /// Moves every staged hit into one batch sorted by [`Hit::merge_key`] and returns it.
    /// Call [`clear`](Self::clear) when done with it.
    pub fn merge(&mut self) -> &[Hit] {
        self.merged.clear();
        self.staged.drain_into(&mut self.merged);
        self.merged.sort_unstable_by_key(Hit::merge_key);
        &self.merged
    }

    /// Empties the merged batch, keeping its capacity.
    pub fn clear(&mut self) {
        self.merged.clear();
    }
}
