//! Pooled action queues: typed orders for every unit in one pool per action type, run in
//! parallel batches, one system per kind of order, with nothing allocated per tick.
//!
//! - Register an action type (usually an enum of orders) with
//!   [`ActionsAppExt::add_action_queue`] or [`ActionsPlugin`]; its queued actions live in
//!   one [`ActionPool`], sized from [`ActionQueueConfig`], grown (and counted) only when
//!   exhausted, with slots back in the pool when an action ends, its unit despawns or its
//!   [`ActionQueue`] is removed.
//! - Give units an [`ActionQueue`]; order them with an [`ActionWriter`] from any system,
//!   `par_iter` closures included (staged per thread, merged by unit in a fixed order at
//!   the start of [`SimSystems::Act`](cohort_sim::SimSystems::Act); several orders in a
//!   row through [`ActionWriter::scope`]), or through the pool from a serial system.
//! - Each tick, in `Act`: [`ActionSystems::Merge`] applies the staged orders,
//!   [`ActionSystems::Advance`] retires ended actions and starts the next, in parallel,
//!   then your systems in [`ActionSystems::Run`] run the current actions, one system per
//!   kind, each a plain query (see [`ActionQueue`]).
//! - A current action is started, running, then finished, cancelled, timed out
//!   ([`Queued::with_timeout`]) or interrupted by a queued action of higher priority
//!   ([`Queued::with_priority`]); repeating actions cycle ([`Queued::repeating`]), and a
//!   full queue rejects, drops its oldest or grows ([`QueueOverflow`]). All of it is counted:
//!   [`ActionPool::counts`], [`ActionRegistry::summaries`].
//! - Queues save and load with serde ([`QueueSnapshot`], [`PoolSnapshot`]).

mod clock;
mod config;
mod plugin;
mod pool;
mod queue;
mod queued;
mod snapshot;
mod stats;
mod systems;
mod writer;

pub use config::{ActionQueueConfig, QueueOverflow};
pub use plugin::{ActionSettings, ActionSystems, ActionsAppExt, ActionsPlugin};
pub use pool::{ActionPool, PoolSummary, PushOutcome};
pub use queue::ActionQueue;
pub use queued::{ActionEnd, ActionState, Queued};
pub use snapshot::{
    CurrentSnapshot, PoolSnapshot, QueueSnapshot, SnapshotError, load_action_queues,
    save_action_queues,
};
pub use stats::{
    ActionCounts, ActionRegistry, ActionTypeSummary, LATENCY_BUCKETS, LatencyHistogram,
};
pub use writer::{ActionCommand, ActionWriter, UnitOrders, WriterRank};

/// What users of action queues type.
pub mod prelude {
    pub use crate::{
        ActionEnd, ActionPool, ActionQueue, ActionQueueConfig, ActionState, ActionSystems,
        ActionWriter, ActionsAppExt, ActionsPlugin, QueueOverflow, Queued,
    };
}
