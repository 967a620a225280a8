//! How one action type is pooled and queued.

use serde::{Deserialize, Serialize};

/// What a push does when a unit's queue already holds its capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum QueueOverflow {
    /// Refuse the new action, counted as `rejected`.
    #[default]
    Reject,
    /// Drop the oldest queued action to make room, counted as `dropped`.
    DropOldest,
    /// Queue it anyway: the capacity is a hint, not a limit.
    Grow,
}

/// The settings of one action type, given to
/// [`ActionsAppExt::add_action_queue`](crate::ActionsAppExt::add_action_queue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionQueueConfig {
    /// Slots the pool starts with: queued actions of every unit together, plus one held by
    /// each current action. The pool doubles when it runs out, and counts each growth.
    pub pool_capacity: u32,
    /// Queued actions per unit (the current action not counted), unless a queue sets its
    /// own with [`ActionQueue::with_capacity`](crate::ActionQueue::with_capacity).
    pub unit_capacity: u32,
    /// What a push into a full queue does, unless the queue sets its own.
    pub overflow: QueueOverflow,
    /// Ignore a pushed action equal to the one before it in the queue (or to the current
    /// action when the queue is empty), counted as `deduplicated`: a player clicking the
    /// same spot twice queues one move.
    pub dedup: bool,
    /// Commands (pushes, cancels) each thread can stage per tick before its buffer grows.
    pub commands_per_thread: usize,
}

impl Default for ActionQueueConfig {
    fn default() -> Self {
        Self {
            pool_capacity: 4096,
            unit_capacity: 16,
            overflow: QueueOverflow::Reject,
            dedup: false,
            commands_per_thread: 1024,
        }
    }
}

impl ActionQueueConfig {
    /// Sized for `units` units with about `per_unit` queued actions each.
    pub fn for_units(units: u32, per_unit: u32) -> Self {
        let slots = units.saturating_mul(per_unit.saturating_add(1));
        Self {
            pool_capacity: slots,
            unit_capacity: per_unit.max(1),
            commands_per_thread: (units as usize).clamp(64, 1 << 20),
            ..Self::default()
        }
    }

    /// Each unit queues at most `capacity` actions, then `overflow` applies.
    pub fn with_unit_capacity(mut self, capacity: u32, overflow: QueueOverflow) -> Self {
        self.unit_capacity = capacity;
        self.overflow = overflow;
        self
    }

    /// The pool starts with `slots` slots.
    pub fn with_pool_capacity(mut self, slots: u32) -> Self {
        self.pool_capacity = slots;
        self
    }

    /// Drops a pushed action equal to the one before it.
    pub fn deduplicated(mut self) -> Self {
        self.dedup = true;
        self
    }
}
