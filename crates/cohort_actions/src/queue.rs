//! `ActionQueue`: the component that holds a unit's orders.

use std::fmt;
use std::sync::Arc;

use bevy::ecs::component::{Component, ComponentCloneBehavior, Mutable, StorageType};
use bevy::ecs::lifecycle::{ComponentHook, HookContext};
use bevy::ecs::world::DeferredWorld;

use crate::clock::{ActionClock, DroppedChain};
use crate::config::QueueOverflow;
use crate::pool::{ActionPool, NONE};
use crate::queued::{ActionEnd, ActionState, Queued};

/// A unit's orders of type `A`: the current action, held by value and changed in place,
/// and the queued ones, which live in the type's [`ActionPool`].
///
/// Add it to a unit (`ActionQueue::<Order>::default()`), push orders with an
/// [`ActionWriter`](crate::ActionWriter) (from any system, `par_iter` included) or
/// directly through the pool, and run each kind of order in a system of your own in
/// [`ActionSystems::Run`](crate::ActionSystems::Run):
///
/// ```
/// # use bevy::prelude::*;
/// # use cohort_actions::ActionQueue;
/// # #[derive(Debug, PartialEq)] enum Order { Wait { ticks: u32 }, Move }
/// fn run_waits(mut units: Query<&mut ActionQueue<Order>>) {
///     units.par_iter_mut().for_each(|mut queue| {
///         if let Some(&Order::Wait { ticks }) = queue.current() {
///             if queue.ticks_running() >= ticks {
///                 queue.finish();
///             }
///         }
///     });
/// }
/// ```
///
/// Removing the component or despawning the unit gives its slots back to the pool. The
/// queue is neither `Clone` nor serializable by itself: its slots belong to it alone. Save
/// it with [`QueueSnapshot`](crate::QueueSnapshot). To empty it, write
/// [`ActionCommand::Stop`](crate::ActionCommand::Stop) (or call the pool's `clear` for the
/// queued ones). A queue dropped some other way (a fresh `ActionQueue` assigned over a
/// live one, or one taken out of its unit and dropped) leaves its slots for the pool's
/// next reclaim, which frees them and counts its actions as discarded. A queue moved to
/// another world while it links slots is left alone there (pushes into it are refused
/// and its action never ends) until it is dropped and its own pool takes them back.
pub struct ActionQueue<A: Send + Sync + 'static> {
    pub(crate) head: u32,
    pub(crate) tail: u32,
    pub(crate) len: u32,
    /// The slot the current action came from, kept for a repeat or a resume.
    pub(crate) held: u32,
    pub(crate) head_priority: u8,
    pub(crate) capacity: Option<u32>,
    pub(crate) overflow: Option<QueueOverflow>,
    pub(crate) current: Option<Queued<A>>,
    /// `Idle`, `Running` (started this tick or earlier: see [`Self::state`]) or `Ending`.
    pub(crate) state: ActionState,
    /// The pool's clock when the current action started.
    pub(crate) started: u32,
    pub(crate) last_end: Option<ActionEnd>,
    /// The clock of the pool that adopted this queue (with its first slot), which also
    /// marks the queue as that pool's.
    pub(crate) clock: Option<Arc<ActionClock>>,
}

impl<A: Send + Sync + 'static> Default for ActionQueue<A> {
    fn default() -> Self {
        Self {
            head: NONE,
            tail: NONE,
            len: 0,
            held: NONE,
            head_priority: 0,
            capacity: None,
            overflow: None,
            current: None,
            state: ActionState::Idle,
            started: 0,
            last_end: None,
            clock: None,
        }
    }
}

impl<A: Send + Sync + 'static> ActionQueue<A> {
    /// An empty queue with the type's capacity and overflow policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty queue that holds at most `capacity` queued actions, then applies
    /// `overflow`. A capacity of 0 refuses every push (counted) unless `overflow` is
    /// [`QueueOverflow::Grow`].
    pub fn with_capacity(capacity: u32, overflow: QueueOverflow) -> Self {
        let mut queue = Self::default();
        queue.capacity = Some(capacity);
        queue.overflow = Some(overflow);
        queue
    }

    /// The current action, if any.
    pub fn current(&self) -> Option<&A> {
        self.current.as_ref().map(|queued| &queued.action)
    }

    /// The current action, to change its state in place (a countdown, a path index).
    pub fn current_mut(&mut self) -> Option<&mut A> {
        self.current.as_mut().map(|queued| &mut queued.action)
    }

    /// The current action with its options (priority, timeout, repeat).
    pub fn current_queued(&self) -> Option<&Queued<A>> {
        self.current.as_ref()
    }

    /// Where the current action is in its life.
    pub fn state(&self) -> ActionState {
        match self.state {
            ActionState::Running if self.ticks_running() == 1 => ActionState::Started,
            state => state,
        }
    }

    /// True on the tick the current action started: set it up here.
    pub fn is_starting(&self) -> bool {
        self.state() == ActionState::Started
    }

    /// Ticks the current action has been current, this one included: 1 on the tick it
    /// started; 0 when idle.
    #[inline]
    pub fn ticks_running(&self) -> u32 {
        match (&self.current, &self.clock) {
            (Some(_), Some(clock)) => self.age_at(clock.now()).wrapping_add(1),
            _ => 0,
        }
    }

    /// Advances since the current action started, at the clock's count `now`: the ticks it
    /// has run before this one.
    #[inline]
    pub(crate) fn age_at(&self, now: u32) -> u32 {
        now.wrapping_sub(self.started)
    }

    /// Ends the current action as finished at the next advance; a repeating one goes back
    /// to the end of the queue. Does nothing when idle.
    pub fn finish(&mut self) {
        self.end(ActionEnd::Finished);
    }

    /// Ends the current action as cancelled at the next advance (its target is gone, say).
    /// Does nothing when idle.
    pub fn cancel(&mut self) {
        self.end(ActionEnd::Cancelled);
    }

    fn end(&mut self, end: ActionEnd) {
        if self.current.is_some() {
            self.state = ActionState::Ending(end);
        }
    }

    /// How the previous current action ended.
    pub fn last_end(&self) -> Option<ActionEnd> {
        self.last_end
    }

    /// Queued actions, the current one not counted.
    pub fn len(&self) -> u32 {
        self.len
    }

    /// True when nothing is queued (there may still be a current action).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True with no current action and nothing queued.
    pub fn is_idle(&self) -> bool {
        self.current.is_none() && self.len == 0
    }

    /// The priority of the next queued action (0 when none is queued).
    pub fn next_priority(&self) -> u8 {
        self.head_priority
    }

    /// This queue's own capacity, if it overrides the type's.
    pub fn capacity(&self) -> Option<u32> {
        self.capacity
    }

    pub(crate) fn holds_slots(&self) -> bool {
        self.len > 0 || self.held != NONE
    }
}

impl<A: Send + Sync + 'static> Drop for ActionQueue<A> {
    /// Leaves the slots of a queue dropped with some (not emptied through its pool, as
    /// removal and despawning do) for its pool to take back.
    fn drop(&mut self) {
        let Some(clock) = &self.clock else {
            return;
        };
        if self.holds_slots() || self.current.is_some() {
            clock.leave(DroppedChain {
                head: self.head,
                held: self.held,
                actions: self.len + u32::from(self.current.is_some()),
                timed: self.current.as_ref().is_some_and(|item| item.timeout != 0),
            });
        }
    }
}

impl<A: Send + Sync + 'static> fmt::Debug for ActionQueue<A>
where
    A: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActionQueue")
            .field("current", &self.current())
            .field("state", &self.state())
            .field("ticks_running", &self.ticks_running())
            .field("queued", &self.len)
            .finish_non_exhaustive()
    }
}

impl<A: Send + Sync + 'static> Component for ActionQueue<A> {
    const STORAGE_TYPE: StorageType = StorageType::Table;
    type Mutability = Mutable;

    fn on_discard() -> Option<ComponentHook> {
        Some(release_queue::<A>)
    }

    fn clone_behavior() -> ComponentCloneBehavior {
        // A copy would link the same slots as the original.
        ComponentCloneBehavior::Ignore
    }
}

/// Gives a removed or replaced queue's slots back to the pool, before Bevy drops it.
fn release_queue<A: Send + Sync + 'static>(mut world: DeferredWorld, context: HookContext) {
    let Some(queue) = world.get::<ActionQueue<A>>(context.entity) else {
        return;
    };
    if !queue.holds_slots() && queue.current.is_none() {
        return;
    }
    let Some(mut queue) = world.get_mut::<ActionQueue<A>>(context.entity) else {
        return;
    };
    // Take the queue out so the pool and the component can be borrowed one after another.
    let mut taken = std::mem::take(&mut *queue);
    if let Some(mut pool) = world.get_resource_mut::<ActionPool<A>>() {
        pool.release_all(&mut taken);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queue_of_small_orders_is_one_cache_line() {
        // Every kind system passes over every unit's queue each tick: its size is the
        // bytes each of those passes reads per unit.
        #[derive(Debug, PartialEq)]
        enum Order {
            Move { ticks: u32 },
            Wait { ticks: u32 },
        }
        let orders = [Order::Move { ticks: 4 }, Order::Wait { ticks: 2 }];
        assert_eq!(size_of_val(&orders[0]), 8);
        assert_eq!(size_of::<ActionQueue<Order>>(), 64);
    }
}
