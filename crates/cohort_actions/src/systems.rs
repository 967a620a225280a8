//! The systems that run every action type's queues: merge the staged commands, advance
//! each unit's current action, take back what the parallel advance freed.

use bevy::ecs::change_detection::Tick;
use bevy::ecs::prelude::*;
use bevy::ecs::system::SystemChangeTick;
use cohort_sim::table_batches::{Batch, Column, Rows, Written, for_each_batch};
use cohort_sim::{SimTick, on_each_compute_thread, sort_by_runs};

use crate::config::ActionQueueConfig;
use crate::plugin::ActionSettings;
use crate::pool::{ActionPool, AdvanceScratch};
use crate::queue::ActionQueue;
use crate::queued::{ActionEnd, ActionState};
use crate::stats::bump;
use crate::writer::{ActionCommand, ActionStaging};

/// Applies the commands every writer staged since the last merge, in the merge order (by
/// unit, source, writer, write order), whichever threads wrote them.
pub(crate) fn merge_action_commands<A: Send + Sync + PartialEq + 'static>(
    tick: Option<Res<SimTick>>,
    settings: Res<ActionSettings<A>>,
    mut staging: ResMut<ActionStaging<A>>,
    mut pool: ResMut<ActionPool<A>>,
    mut queues: Query<&mut ActionQueue<A>>,
) {
    pool.set_now(tick.map_or(0, |tick| tick.get()));
    let staging = &mut *staging;
    for buffer in staging.buffers.iter_mut() {
        staging.merged.append(buffer);
    }
    if staging.merged.is_empty() {
        return;
    }
    let merged = &mut staging.merged;
    let order = &mut staging.order;
    order.clear();
    order.extend(
        merged
            .iter()
            .enumerate()
            .map(|(index, staged)| staged.merge_key(index as u32)),
    );
    // Each thread's commands come unit by unit in storage order: a few runs, sorted in
    // linear time.
    sort_by_runs(order, &mut staging.order_scratch);
    let config = &settings.config;
    let pool = &mut *pool;
    let mut unit: Option<(Entity, Option<Mut<ActionQueue<A>>>)> = None;
    for key in order.iter() {
        let staged = &mut merged[key.index as usize];
        // Each command is taken once; `Clear` is a cheap stand-in.
        let command = std::mem::replace(&mut staged.command, ActionCommand::Clear);
        let target = staged.target;
        // Commands come grouped by unit: one lookup per unit.
        if unit.as_ref().is_none_or(|(entity, _)| *entity != target) {
            unit = Some((target, queues.get_mut(target).ok()));
        }
        let Some((_, Some(queue))) = unit.as_mut() else {
            let counts = pool.counts_mut();
            match command {
                ActionCommand::PushBack(_)
                | ActionCommand::PushFront(_)
                | ActionCommand::Replace(_) => bump(&mut counts.rejected, 1),
                _ => bump(&mut counts.orphaned, 1),
            }
            continue;
        };
        apply_command(pool, queue, command, config);
    }
    merged.clear();
}

/// Applies one command to one unit's queue.
fn apply_command<A: Send + Sync + PartialEq + 'static>(
    pool: &mut ActionPool<A>,
    queue: &mut ActionQueue<A>,
    command: ActionCommand<A>,
    config: &ActionQueueConfig,
) {
    match command {
        ActionCommand::PushBack(item) => {
            pool.push(queue, item, config, false);
        }
        ActionCommand::PushFront(item) => {
            pool.push(queue, item, config, true);
        }
        ActionCommand::Replace(item) => {
            pool.cancel_current(queue);
            pool.clear(queue);
            pool.push(queue, item, config, false);
        }
        ActionCommand::Clear => {
            pool.clear(queue);
        }
        ActionCommand::CancelCurrent => {
            pool.cancel_current(queue);
        }
        ActionCommand::Stop => {
            pool.cancel_current(queue);
            pool.clear(queue);
        }
        ActionCommand::CancelWhere(matches) => {
            pool.retain(queue, |action| !matches(action));
            if queue.current().is_some_and(matches) {
                pool.cancel_current(queue);
            }
        }
    }
}

/// Ends the current actions that finished, were cancelled, timed out or are interrupted by
/// a higher priority, and starts the next queued one: every unit in parallel, over each
/// table's queues as a slice ([`table_batches`](cohort_sim::table_batches)).
///
/// A queue is only read unless it has something to do, so running units stay unchanged.
/// While no current action has a timeout, nothing can happen to a queue that nobody
/// changed since the last advance (an end is asked for, an order is pushed), so those are
/// skipped by their change tick alone, without reading them.
pub(crate) fn advance_action_queues<A: Send + Sync + 'static>(
    pool: Res<ActionPool<A>>,
    ticks: SystemChangeTick,
    mut queues: Query<&mut ActionQueue<A>>,
) {
    let advance = Advance {
        pool: &pool,
        now: pool.tick_clock(),
        changed_since: pool.untimed().then_some(ticks.last_run()),
    };
    let tables = queues
        .contiguous_iter_mut()
        .expect("`ActionQueue` is stored in tables");
    for_each_batch(tables.map(Column::from), true, &advance);
}

/// One tick's advance, run on each batch of queues.
struct Advance<'p, A: Send + Sync + 'static> {
    pool: &'p ActionPool<A>,
    /// The clock's count.
    now: u32,
    /// Only queues changed after this tick can have something to do; all when `None`.
    changed_since: Option<Tick>,
}

impl<'w, A: Send + Sync + 'static> Batch<Column<'w, ActionQueue<A>>> for Advance<'_, A> {
    fn run<'a>(&self, mut queues: Written<'a, ActionQueue<A>>)
    where
        Column<'w, ActionQueue<A>>: 'a,
    {
        let mut scratch = self.pool.scratch();
        for row in 0..queues.len() {
            if self
                .changed_since
                .is_some_and(|last_run| !queues.is_changed_since(row, last_run))
            {
                continue;
            }
            let queue = queues.get(row);
            // A queue that links another pool's slots (moved here from another world) is
            // left as it is, unmarked: ending its action here would lose its slot to both
            // pools. Its own pool takes the slots back when it is dropped.
            let step = next_step(queue, self.now);
            if step != Step::Wait && self.pool.adopted(queue) {
                advance_queue(self.pool, queues.get_mut(row), step, &mut scratch, self.now);
            }
        }
    }
}

/// What an advance does to one queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// Nothing: idle, or the current action goes on.
    Wait,
    /// Start the front action (no current one).
    Start,
    /// End the current action this way, then start the next (interrupted: the front one).
    End(ActionEnd),
}

/// The queue's step at the clock's count `now`, found by reading it.
fn next_step<A: Send + Sync + 'static>(queue: &ActionQueue<A>, now: u32) -> Step {
    let Some(current) = &queue.current else {
        return if queue.len > 0 {
            Step::Start
        } else {
            Step::Wait
        };
    };
    if let ActionState::Ending(end) = queue.state {
        return Step::End(end);
    }
    if current.timeout != 0 && queue.age_at(now) >= current.timeout {
        Step::End(ActionEnd::TimedOut)
    } else if queue.len > 0 && queue.head_priority > current.priority {
        Step::End(ActionEnd::Interrupted)
    } else {
        Step::Wait
    }
}

/// One adopted unit's advance by `step`, and then by any interrupt the start calls for:
/// an action started with a higher priority queued behind it is interrupted in the same
/// tick (the next tick's advance may skip the queue: nothing changed it since).
fn advance_queue<A: Send + Sync + 'static>(
    pool: &ActionPool<A>,
    queue: &mut ActionQueue<A>,
    mut step: Step,
    scratch: &mut AdvanceScratch,
    now: u32,
) {
    // Each interrupt starts a higher priority than the action it ends: the loop ends.
    loop {
        match step {
            Step::Wait => return,
            Step::Start => pool.start_next(queue, scratch, now),
            Step::End(ActionEnd::Interrupted) => pool.interrupt(queue, scratch, now),
            Step::End(end) => {
                pool.end_current(queue, end, scratch);
                pool.start_next(queue, scratch, now);
            }
        }
        step = match next_step(queue, now) {
            interrupt @ Step::End(ActionEnd::Interrupted) => interrupt,
            _ => return,
        };
    }
}

/// Takes back the slots and counts of the tick's parallel advance.
pub(crate) fn reclaim_action_slots<A: Send + Sync + 'static>(mut pool: ResMut<ActionPool<A>>) {
    pool.reclaim();
}

/// Makes every compute thread's command buffer and advance scratch before the first tick.
pub(crate) fn prepare_action_buffers<A: Send + Sync + 'static>(world: &mut World) {
    let (Some(staging), Some(pool)) = (
        world.get_resource::<ActionStaging<A>>(),
        world.get_resource::<ActionPool<A>>(),
    ) else {
        return;
    };
    on_each_compute_thread(|| {
        staging.prepare_local();
        drop(pool.scratch());
    });
}
