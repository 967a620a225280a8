//! `ActionPool`: every queued action of one type, in one slab of slots.
//!
//! Each queue is a singly linked chain of slots. A slot belongs to at most one queue at a
//! time (or to the free list, or, once its queue was dropped with it, to the chain that
//! the next reclaim frees), and only code holding that queue mutably touches it: that
//! is what lets the parallel advance change many queues' slots at once through a shared
//! pool.

use std::cell::UnsafeCell;
use std::sync::Arc;

use bevy::ecs::resource::Resource;
use bevy::utils::Parallel;
use serde::{Deserialize, Serialize};

use crate::clock::{ActionClock, DROPPED_ROOM, DroppedChain};
use crate::config::QueueOverflow;
use crate::queue::ActionQueue;
use crate::queued::{ActionEnd, ActionState, Queued};
use crate::stats::{ActionCounts, LatencyHistogram, bump};

/// The end of a chain, or no slot.
pub(crate) const NONE: u32 = u32::MAX;

/// The most slots a pool can hold.
const MAX_SLOTS: u32 = NONE - 1;

/// The smallest growth step.
const MIN_GROWTH: u32 = 64;
/// A loaded pool grows to its saved capacity up to this many times the slots in use.
pub(crate) const LOAD_ROOM: u32 = 64;

struct SlotData<A> {
    action: Option<Queued<A>>,
    next: u32,
}

struct Slot<A>(UnsafeCell<SlotData<A>>);

// SAFETY: a slot is read or written only by code that holds the one queue whose chain
// links it: mutably for writes (`&mut ActionQueue`, unique to one thread) and at least
// shared for reads, and Bevy's scheduler never runs a holder of `&mut ActionQueue<A>`
// beside a holder of `&ActionQueue<A>`. Free slots are touched only through `&mut
// ActionPool`. So no slot is ever written on one thread while used on another.
unsafe impl<A: Send + Sync> Sync for Slot<A> {}

impl<A> Slot<A> {
    fn empty() -> Self {
        Self(UnsafeCell::new(SlotData {
            action: None,
            next: NONE,
        }))
    }
}

/// What each thread of the parallel advance gathers until the pool takes it back.
#[derive(Default)]
pub(crate) struct AdvanceScratch {
    /// Slots whose action ended and went nowhere: free again after the next reclaim.
    pub freed: Vec<u32>,
    pub counts: ActionCounts,
    pub latency: LatencyHistogram,
    /// Current actions with a timeout started less those ended, on this thread.
    pub timed: i64,
}

/// The outcome of one push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    /// The action is queued.
    Queued,
    /// The queue was full and refused it.
    Rejected,
    /// The queue was full; its oldest action was dropped for this one.
    DroppedOldest,
    /// Equal to the action before it, with deduplication on: not queued.
    Deduplicated,
    /// The queue belongs to another pool (another app's world): nothing changed.
    ForeignQueue,
}

/// The size of a pool, for reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolSummary {
    /// Slots the pool holds.
    pub capacity: u32,
    /// Slots in use: queued actions plus one per current action.
    pub live: u32,
    /// The most slots ever in use at once.
    pub high_water: u32,
    /// Times the pool ran out and grew.
    pub growths: u32,
}

/// Every queued action of type `A`, for every unit, in one slab: sized up front, grown
/// (and counted) only when exhausted, with each slot back in the free list when its
/// action ends for good, its unit despawns, or its queue is removed or dropped.
///
/// Use it with a unit's [`ActionQueue`] to read or change the queue from a serial system:
///
/// ```
/// # use bevy::prelude::*;
/// # use cohort_actions::{ActionPool, ActionQueue, ActionQueueConfig, Queued};
/// # #[derive(Debug, PartialEq)] enum Order { Move, Attack }
/// fn hold_fire(mut pool: ResMut<ActionPool<Order>>, mut units: Query<&mut ActionQueue<Order>>) {
///     let config = ActionQueueConfig::default();
///     for mut queue in &mut units {
///         pool.retain(&mut queue, |order| *order != Order::Attack);
///         pool.push_back(&mut queue, Queued::new(Order::Move), &config);
///     }
/// }
/// ```
#[derive(Resource)]
pub struct ActionPool<A: Send + Sync + 'static> {
    slots: Vec<Slot<A>>,
    free: Vec<u32>,
    scratch: Parallel<AdvanceScratch>,
    live: u32,
    high_water: u32,
    growths: u32,
    counts: ActionCounts,
    latency: LatencyHistogram,
    /// The current tick, stamped on direct pushes as their enqueue tick.
    now: u64,
    /// Counts advances; every queue the pool adopts shares it.
    clock: Arc<ActionClock>,
    /// Current actions that have a timeout, as of the last reclaim or serial change: while
    /// there are none, the advance skips the queues nothing changed. Signed: a serial
    /// cancel may end, before the reclaim, an action the parallel advance started and has
    /// not yet counted.
    timed: i64,
    /// The chains of dropped queues being freed by a reclaim (kept for its room).
    dropped: Vec<DroppedChain>,
}

impl<A: Send + Sync + 'static> ActionPool<A> {
    /// A pool of `capacity` free slots.
    pub fn new(capacity: u32) -> Self {
        let capacity = capacity.min(MAX_SLOTS);
        let mut pool = Self {
            slots: Vec::new(),
            free: Vec::new(),
            scratch: Parallel::default(),
            live: 0,
            high_water: 0,
            growths: 0,
            counts: ActionCounts::default(),
            latency: LatencyHistogram::default(),
            now: 0,
            clock: ActionClock::shared(),
            timed: 0,
            dropped: Vec::with_capacity(DROPPED_ROOM),
        };
        pool.add_slots(capacity);
        pool
    }

    /// Its size and use.
    pub fn summary(&self) -> PoolSummary {
        PoolSummary {
            capacity: self.capacity(),
            live: self.live,
            high_water: self.high_water,
            growths: self.growths,
        }
    }

    /// Counters since the start, as of the end of the last tick (the parallel advance's
    /// are added then) or the last serial change.
    pub fn counts(&self) -> &ActionCounts {
        &self.counts
    }

    /// Enqueue-to-start latency of every started action, as of the end of the last tick.
    pub fn latency(&self) -> &LatencyHistogram {
        &self.latency
    }

    /// The tick of the last merge.
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Restores saved figures: counts, latency, tick, and the high water and growths.
    /// Capacity grows to the saved one if it was larger, but to no more than
    /// [`LOAD_ROOM`] times the slots the loaded queues use: a corrupt or hostile save
    /// cannot ask for gigabytes.
    pub(crate) fn load_figures(
        &mut self,
        summary: PoolSummary,
        counts: ActionCounts,
        latency: LatencyHistogram,
        now: u64,
    ) {
        let room = self.live.max(MIN_GROWTH).saturating_mul(LOAD_ROOM);
        let capacity = summary.capacity.min(room);
        if capacity > self.capacity() {
            self.add_slots(capacity - self.capacity());
        }
        self.high_water = summary.high_water.max(self.live);
        self.growths = summary.growths;
        self.counts = counts;
        self.latency = latency;
        self.now = now;
    }

    /// Links `item` at the end of `queue` whatever its capacity (loading a save).
    pub(crate) fn restore_back(&mut self, queue: &mut ActionQueue<A>, item: Queued<A>) {
        self.adopt(queue);
        if let Some(index) = self.alloc(item) {
            self.link_back(queue, index);
        }
    }

    /// Makes `item` the current action of `queue`, with a held slot (loading a save).
    pub(crate) fn restore_current(
        &mut self,
        queue: &mut ActionQueue<A>,
        item: Queued<A>,
        state: ActionState,
        ticks_running: u32,
    ) {
        self.adopt(queue);
        if let Some(index) = self.alloc_empty() {
            queue.held = index;
        }
        self.timed += i64::from(item.timeout != 0);
        queue.current = Some(item);
        // Idle with an action is no state a queue can be in: a corrupt save's current
        // action runs.
        queue.state = match state {
            ActionState::Started | ActionState::Idle => ActionState::Running,
            state => state,
        };
        // As old now as it was when saved.
        queue.started = self.clock.now().wrapping_add(1).wrapping_sub(ticks_running);
    }

    /// Counts one more advance; returns the clock's new count.
    pub(crate) fn tick_clock(&self) -> u32 {
        self.clock.tick()
    }

    /// True while no current action has a timeout: only queues that something changed
    /// need the advance then.
    pub(crate) fn untimed(&self) -> bool {
        self.timed == 0
    }

    pub(crate) fn counts_mut(&mut self) -> &mut ActionCounts {
        &mut self.counts
    }

    pub(crate) fn set_now(&mut self, tick: u64) {
        self.now = tick;
    }

    /// Slots the pool holds.
    pub fn capacity(&self) -> u32 {
        self.slots.len() as u32
    }

    /// Slots in use, as of the last reclaim (the end of the last tick) or serial change.
    pub fn live(&self) -> u32 {
        self.live
    }

    /// Appends `count` free slots, and room for them in every free list.
    fn add_slots(&mut self, count: u32) {
        let old = self.slots.len() as u32;
        let new = old.saturating_add(count).min(MAX_SLOTS);
        self.slots.reserve_exact((new - old) as usize);
        self.slots.extend((old..new).map(|_| Slot::empty()));
        self.free.reserve_exact(new as usize - self.free.len());
        // Lowest index on top: the first pushes fill the slab from the front.
        self.free.extend((old..new).rev());
        for scratch in self.scratch.iter_mut() {
            scratch.freed.reserve(new as usize - scratch.freed.len());
        }
    }

    /// A free slot holding `item`; grows the pool when none is left.
    fn alloc(&mut self, item: Queued<A>) -> Option<u32> {
        let index = self.alloc_empty()?;
        let slot = self.slots[index as usize].0.get_mut();
        slot.action = Some(item);
        slot.next = NONE;
        Some(index)
    }

    /// A free slot left empty, to be held by a current action.
    fn alloc_empty(&mut self) -> Option<u32> {
        if self.free.is_empty() {
            let step = self.capacity().max(MIN_GROWTH);
            self.add_slots(step);
            self.growths += 1;
        }
        let index = self.free.pop()?;
        self.live += 1;
        self.high_water = self.high_water.max(self.live);
        Some(index)
    }

    fn release(&mut self, index: u32) {
        let slot = self.slots[index as usize].0.get_mut();
        slot.action = None;
        slot.next = NONE;
        self.free.push(index);
        self.live -= 1;
    }

    /// True if `queue` links this pool's slots, or none at all (an idle, empty queue from
    /// another world or an earlier pool is this pool's as soon as it pushes).
    pub fn owns(&self, queue: &ActionQueue<A>) -> bool {
        !queue.holds_slots() || self.adopted(queue)
    }

    /// True if `clock` is this pool's: a queue holding it was adopted here (the clock's
    /// handle is the queue's mark of its pool, which keeps the component small).
    fn is_clock_of(&self, clock: &Arc<ActionClock>) -> bool {
        Arc::ptr_eq(clock, &self.clock)
    }

    /// True if this pool adopted `queue`.
    pub(crate) fn adopted(&self, queue: &ActionQueue<A>) -> bool {
        queue
            .clock
            .as_ref()
            .is_some_and(|clock| self.is_clock_of(clock))
    }

    fn claim(&self, queue: &mut ActionQueue<A>) -> bool {
        if !self.owns(queue) {
            return false;
        }
        self.adopt(queue);
        true
    }

    /// Makes `queue` this pool's: its slots come from here, its ages from this clock.
    /// Requires: [`owns`](Self::owns) it (another pool's clock goes only with no slots).
    fn adopt(&self, queue: &mut ActionQueue<A>) {
        if !self.adopted(queue) {
            queue.clock = Some(Arc::clone(&self.clock));
        }
    }

    /// The slot at `index` of a chain the caller holds.
    ///
    /// Requires: `index` is in a chain of a queue the caller holds (shared for reads).
    fn data(&self, index: u32) -> &SlotData<A> {
        // SAFETY: see `Slot`'s `Sync`: the caller holds the queue that links `index`, so no
        // thread writes it meanwhile.
        unsafe { &*self.slots[index as usize].0.get() }
    }

    /// The slot at `index` of a chain the caller holds mutably.
    ///
    /// Requires: `index` is in the chain of (or held by) a queue the caller holds through
    /// `&mut`, so no other reference to the slot exists.
    #[expect(
        clippy::mut_from_ref,
        reason = "each slot is owned by one mutably held queue"
    )]
    fn data_mut(&self, index: u32) -> &mut SlotData<A> {
        // SAFETY: see `Slot`'s `Sync`: only the holder of the queue's `&mut` reaches it.
        unsafe { &mut *self.slots[index as usize].0.get() }
    }

    fn refresh_head(&self, queue: &mut ActionQueue<A>) {
        queue.head_priority = if queue.head == NONE {
            0
        } else {
            self.data(queue.head)
                .action
                .as_ref()
                .map_or(0, |queued| queued.priority)
        };
    }

    /// Links the slot `index` (filled) at the end of `queue`.
    fn link_back(&self, queue: &mut ActionQueue<A>, index: u32) {
        self.data_mut(index).next = NONE;
        if queue.tail == NONE {
            queue.head = index;
            self.refresh_head(queue);
        } else {
            self.data_mut(queue.tail).next = index;
        }
        queue.tail = index;
        queue.len += 1;
    }

    /// Links the slot `index` (filled) at the front of `queue`.
    fn link_front(&self, queue: &mut ActionQueue<A>, index: u32) {
        self.data_mut(index).next = queue.head;
        if queue.tail == NONE {
            queue.tail = index;
        }
        queue.head = index;
        queue.len += 1;
        self.refresh_head(queue);
    }

    /// Unlinks the front slot of `queue`, returning its index and action.
    fn unlink_front(&self, queue: &mut ActionQueue<A>) -> Option<(u32, Queued<A>)> {
        if queue.head == NONE {
            return None;
        }
        let index = queue.head;
        let slot = self.data_mut(index);
        let item = slot.action.take()?;
        queue.head = slot.next;
        slot.next = NONE;
        if queue.head == NONE {
            queue.tail = NONE;
        }
        queue.len -= 1;
        self.refresh_head(queue);
        Some((index, item))
    }

    /// Queues `item` at the end, within the queue's capacity (or `config`'s).
    pub fn push_back(
        &mut self,
        queue: &mut ActionQueue<A>,
        item: Queued<A>,
        config: &crate::ActionQueueConfig,
    ) -> PushOutcome
    where
        A: PartialEq,
    {
        self.push_now(queue, item, config, false)
    }

    /// Queues `item` at the front, to start next (it interrupts the current action if its
    /// priority is higher).
    pub fn push_front(
        &mut self,
        queue: &mut ActionQueue<A>,
        item: Queued<A>,
        config: &crate::ActionQueueConfig,
    ) -> PushOutcome
    where
        A: PartialEq,
    {
        self.push_now(queue, item, config, true)
    }

    /// Pushes `item` stamped with the current tick as its enqueue tick.
    fn push_now(
        &mut self,
        queue: &mut ActionQueue<A>,
        item: Queued<A>,
        config: &crate::ActionQueueConfig,
        front: bool,
    ) -> PushOutcome
    where
        A: PartialEq,
    {
        let item = Queued {
            enqueued: self.now,
            ..item
        };
        self.push(queue, item, config, front)
    }

    /// Queues `item` as it is (its enqueue tick already stamped) and counts the outcome.
    pub(crate) fn push(
        &mut self,
        queue: &mut ActionQueue<A>,
        item: Queued<A>,
        config: &crate::ActionQueueConfig,
        front: bool,
    ) -> PushOutcome
    where
        A: PartialEq,
    {
        let outcome = self.push_uncounted(queue, item, config, front);
        match outcome {
            PushOutcome::Queued | PushOutcome::DroppedOldest => bump(&mut self.counts.enqueued, 1),
            PushOutcome::Rejected | PushOutcome::ForeignQueue => bump(&mut self.counts.rejected, 1),
            PushOutcome::Deduplicated => bump(&mut self.counts.deduplicated, 1),
        }
        outcome
    }

    fn push_uncounted(
        &mut self,
        queue: &mut ActionQueue<A>,
        item: Queued<A>,
        config: &crate::ActionQueueConfig,
        front: bool,
    ) -> PushOutcome
    where
        A: PartialEq,
    {
        if !self.claim(queue) {
            return PushOutcome::ForeignQueue;
        }
        if config.dedup && !front {
            let before = if queue.tail == NONE {
                queue.current.as_ref()
            } else {
                self.data(queue.tail).action.as_ref()
            };
            if before.is_some_and(|before| before.action == item.action) {
                return PushOutcome::Deduplicated;
            }
        }
        let capacity = queue.capacity.unwrap_or(config.unit_capacity);
        let mut outcome = PushOutcome::Queued;
        if queue.len >= capacity {
            match queue.overflow.unwrap_or(config.overflow) {
                QueueOverflow::Grow => {}
                QueueOverflow::Reject => return PushOutcome::Rejected,
                QueueOverflow::DropOldest => {
                    // Capacity 0 refuses every push, even with actions to drop (a restored
                    // snapshot's).
                    if queue.len == 0 || capacity == 0 {
                        return PushOutcome::Rejected;
                    }
                    // Make room first, so the pool never holds more than it must.
                    while queue.len >= capacity {
                        let Some((index, _)) = self.unlink_front(queue) else {
                            break;
                        };
                        self.release(index);
                        bump(&mut self.counts.dropped, 1);
                    }
                    outcome = PushOutcome::DroppedOldest;
                }
            }
        }
        let Some(index) = self.alloc(item) else {
            return PushOutcome::Rejected;
        };
        if front {
            self.link_front(queue, index);
        } else {
            self.link_back(queue, index);
        }
        outcome
    }

    /// Takes the front action out of the queue (not the current one).
    pub fn pop_front(&mut self, queue: &mut ActionQueue<A>) -> Option<Queued<A>> {
        if !self.owns(queue) {
            return None;
        }
        let (index, item) = self.unlink_front(queue)?;
        self.release(index);
        Some(item)
    }

    /// Drops every queued action (the current one goes on); returns how many.
    pub fn clear(&mut self, queue: &mut ActionQueue<A>) -> u32 {
        self.retain(queue, |_| false)
    }

    /// Keeps the queued actions for which `keep` is true, in order; returns how many were
    /// dropped. The current action is not affected: see [`Self::cancel_current`].
    pub fn retain(&mut self, queue: &mut ActionQueue<A>, keep: impl FnMut(&A) -> bool) -> u32 {
        let dropped = self.drop_queued(queue, keep);
        bump(&mut self.counts.cancelled, u64::from(dropped));
        dropped
    }

    /// Unlinks and frees the queued actions for which `keep` is false; counts nothing.
    fn drop_queued(&mut self, queue: &mut ActionQueue<A>, mut keep: impl FnMut(&A) -> bool) -> u32 {
        if !self.owns(queue) {
            return 0;
        }
        let mut dropped = 0;
        let mut previous = NONE;
        let mut index = queue.head;
        while index != NONE {
            let slot = self.slots[index as usize].0.get_mut();
            let next = slot.next;
            let kept = slot
                .action
                .as_ref()
                .is_some_and(|queued| keep(&queued.action));
            if kept {
                previous = index;
            } else {
                if previous == NONE {
                    queue.head = next;
                } else {
                    self.slots[previous as usize].0.get_mut().next = next;
                }
                if queue.tail == index {
                    queue.tail = previous;
                }
                queue.len -= 1;
                self.release(index);
                dropped += 1;
            }
            index = next;
        }
        self.refresh_head(queue);
        dropped
    }

    /// Ends the current action as cancelled (a repeating one does not come back); returns
    /// whether there was one.
    pub fn cancel_current(&mut self, queue: &mut ActionQueue<A>) -> bool {
        let cancelled = self.drop_current(queue);
        bump(&mut self.counts.cancelled, u64::from(cancelled));
        cancelled
    }

    /// Ends the current action as cancelled and frees its slot; counts nothing.
    fn drop_current(&mut self, queue: &mut ActionQueue<A>) -> bool {
        if !self.owns(queue) {
            return false;
        }
        let Some(current) = queue.current.take() else {
            return false;
        };
        self.timed -= i64::from(current.timeout != 0);
        queue.state = ActionState::Idle;
        queue.last_end = Some(ActionEnd::Cancelled);
        if queue.held != NONE {
            let held = std::mem::replace(&mut queue.held, NONE);
            self.release(held);
        }
        true
    }

    /// The queued actions in order (the current one not included).
    pub fn iter<'a>(&'a self, queue: &'a ActionQueue<A>) -> impl Iterator<Item = &'a Queued<A>> {
        let mut index = if self.owns(queue) { queue.head } else { NONE };
        std::iter::from_fn(move || {
            if index == NONE {
                return None;
            }
            let slot = self.data(index);
            index = slot.next;
            slot.action.as_ref()
        })
    }

    /// The next queued action.
    pub fn peek<'a>(&'a self, queue: &'a ActionQueue<A>) -> Option<&'a Queued<A>> {
        self.iter(queue).next()
    }

    /// Gives every slot of `queue` back, the current action's included, counted as
    /// discarded (not cancelled: the unit is gone).
    pub(crate) fn release_all(&mut self, queue: &mut ActionQueue<A>) {
        let discarded = self.release_slots(queue);
        bump(&mut self.counts.discarded, u64::from(discarded));
    }

    /// Empties `queue` and frees its slots, counting nothing; returns how many actions it
    /// held, the current one included.
    pub(crate) fn release_slots(&mut self, queue: &mut ActionQueue<A>) -> u32 {
        self.drop_queued(queue, |_| false) + u32::from(self.drop_current(queue))
    }

    /// Starts the front action: it becomes the current one, and its slot stays with the
    /// queue for a repeat or a resume. Shared access: runs in parallel over queues.
    /// `now` is the clock's count.
    pub(crate) fn start_next(
        &self,
        queue: &mut ActionQueue<A>,
        scratch: &mut AdvanceScratch,
        now: u32,
    ) {
        if !self.adopted(queue) {
            return;
        }
        let Some((index, item)) = self.unlink_front(queue) else {
            return;
        };
        scratch.counts.started += 1;
        scratch
            .latency
            .record(self.now.saturating_sub(item.enqueued));
        scratch.timed += i64::from(item.timeout != 0);
        queue.held = index;
        queue.current = Some(item);
        queue.state = ActionState::Running;
        queue.started = now;
    }

    /// Ends the current action with `end` (finished, cancelled or timed out): a repeat
    /// goes back to the end of the queue, anything else gives its slot to this thread's
    /// free list. Shared access: runs in parallel over queues.
    pub(crate) fn end_current(
        &self,
        queue: &mut ActionQueue<A>,
        end: ActionEnd,
        scratch: &mut AdvanceScratch,
    ) {
        if let Some((item, held)) = Self::take_current(queue, end, scratch) {
            self.settle(queue, item, held, end, scratch);
        }
    }

    /// Interrupts the current action for the front one, which starts; the interrupted one
    /// resumes right behind it, goes to the end (a repeat) or is dropped. Shared access.
    pub(crate) fn interrupt(
        &self,
        queue: &mut ActionQueue<A>,
        scratch: &mut AdvanceScratch,
        now: u32,
    ) {
        let end = ActionEnd::Interrupted;
        let Some((item, held)) = Self::take_current(queue, end, scratch) else {
            return;
        };
        self.start_next(queue, scratch, now);
        self.settle(queue, item, held, end, scratch);
    }

    fn take_current(
        queue: &mut ActionQueue<A>,
        end: ActionEnd,
        scratch: &mut AdvanceScratch,
    ) -> Option<(Queued<A>, u32)> {
        let item = queue.current.take()?;
        scratch.timed -= i64::from(item.timeout != 0);
        queue.state = ActionState::Idle;
        queue.last_end = Some(end);
        scratch.counts.record_end(end);
        Some((item, std::mem::replace(&mut queue.held, NONE)))
    }

    /// Puts an ended action back into its queue through its held slot, or frees the slot.
    fn settle(
        &self,
        queue: &mut ActionQueue<A>,
        item: Queued<A>,
        held: u32,
        end: ActionEnd,
        scratch: &mut AdvanceScratch,
    ) {
        if held == NONE || !self.adopted(queue) {
            return;
        }
        let front = end == ActionEnd::Interrupted && item.resumable;
        let back = !front && item.repeat && end != ActionEnd::Cancelled;
        if !front && !back {
            scratch.freed.push(held);
            return;
        }
        self.data_mut(held).action = Some(item);
        if front {
            self.link_front(queue, held);
        } else {
            self.link_back(queue, held);
        }
    }

    /// This thread's advance scratch, made with room for every slot.
    pub(crate) fn scratch(&self) -> impl std::ops::DerefMut<Target = AdvanceScratch> + '_ {
        let room = self.slots.len();
        self.scratch.borrow_local_mut_or(move || AdvanceScratch {
            freed: Vec::with_capacity(room),
            ..AdvanceScratch::default()
        })
    }

    /// Takes back the slots the parallel advance freed, and its counts.
    pub(crate) fn reclaim(&mut self) {
        // Summed before it is applied: one thread may end what another started.
        let mut timed = 0;
        for scratch in self.scratch.iter_mut() {
            for &index in &scratch.freed {
                let slot = self.slots[index as usize].0.get_mut();
                slot.action = None;
                slot.next = NONE;
            }
            self.live -= scratch.freed.len() as u32;
            self.free.extend_from_slice(&scratch.freed);
            scratch.freed.clear();
            self.counts.add(&scratch.counts);
            scratch.counts = ActionCounts::default();
            self.latency.add(&scratch.latency);
            scratch.latency.clear();
            timed += std::mem::take(&mut scratch.timed);
        }
        self.timed += timed;
        self.free_dropped_queues();
    }

    /// Frees the slots of queues dropped with some (see [`ActionClock`]), their actions
    /// counted as discarded.
    fn free_dropped_queues(&mut self) {
        let mut dropped = std::mem::take(&mut self.dropped);
        self.clock.take_dropped(&mut dropped);
        for chain in &dropped {
            let mut index = chain.head;
            // At most every slot once: a chain is acyclic, and this keeps it so.
            for _ in 0..self.slots.len() {
                if index == NONE {
                    break;
                }
                let next = self.slots[index as usize].0.get_mut().next;
                self.release(index);
                index = next;
            }
            if chain.held != NONE {
                self.release(chain.held);
            }
            bump(&mut self.counts.discarded, u64::from(chain.actions));
            self.timed -= i64::from(chain.timed);
        }
        dropped.clear();
        self.dropped = dropped;
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use proptest::prelude::*;

    use super::*;
    use crate::ActionQueueConfig;

    #[derive(Debug, Clone)]
    enum Op {
        Back(u8, u32),
        Front(u8, u32),
        Pop(u8),
        Clear(u8),
        RetainEven(u8),
        Advance(u8),
        /// A fresh queue assigned over the unit's (its slots go back at the reclaim).
        Reset(u8),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0..4u8, 0..1000u32).prop_map(|(unit, value)| Op::Back(unit, value)),
            2 => (0..4u8, 0..1000u32).prop_map(|(unit, value)| Op::Front(unit, value)),
            2 => (0..4u8).prop_map(Op::Pop),
            1 => (0..4u8).prop_map(Op::Clear),
            1 => (0..4u8).prop_map(Op::RetainEven),
            2 => (0..4u8).prop_map(Op::Advance),
            1 => (0..4u8).prop_map(Op::Reset),
        ]
    }

    /// Each pushed value's priority: the model knows it from the value.
    fn priority_of(value: u32) -> u8 {
        (value % 3) as u8
    }

    fn overflow(index: u8) -> QueueOverflow {
        [
            QueueOverflow::Reject,
            QueueOverflow::DropOldest,
            QueueOverflow::Grow,
            QueueOverflow::Reject,
        ][index as usize]
    }

    /// A timed action that the advance starts and a serial cancel ends before the reclaim
    /// leaves no timed action counted: the advance may skip unchanged queues again.
    #[test]
    fn timed_count_survives_a_cancel_before_the_reclaim() {
        let config = ActionQueueConfig::default();
        let mut pool = ActionPool::<u32>::new(4);
        let mut queue = ActionQueue::with_capacity(2, QueueOverflow::Reject);
        pool.push(&mut queue, Queued::new(7).with_timeout(5), &config, false);
        pool.reclaim();
        assert!(
            pool.untimed(),
            "a queued timeout does not count until it starts"
        );
        let mut scratch = pool.scratch();
        pool.start_next(&mut queue, &mut scratch, 0);
        drop(scratch);
        assert!(pool.cancel_current(&mut queue));
        pool.reclaim();
        assert!(pool.untimed());
        assert_eq!(pool.live(), 0);

        // Started and counted, then dropped with the queue: the count falls back too.
        pool.push(&mut queue, Queued::new(8).with_timeout(5), &config, false);
        let mut scratch = pool.scratch();
        pool.start_next(&mut queue, &mut scratch, 0);
        drop(scratch);
        pool.reclaim();
        assert!(!pool.untimed());
        drop(queue);
        pool.reclaim();
        assert!(pool.untimed());
        assert_eq!(pool.live(), 0);
    }

    proptest! {
        /// Four queues with different capacities and policies, against a `VecDeque` model:
        /// FIFO order, length, capacity, and every slot accounted for.
        #[test]
        fn queues_match_a_model(ops in proptest::collection::vec(op(), 0..200), start in 0..8u32) {
            let config = ActionQueueConfig::default();
            let mut pool = ActionPool::<u32>::new(start);
            let capacities = [3u32, 2, 1, 0];
            let mut queues: Vec<ActionQueue<u32>> = (0..4)
                .map(|unit| ActionQueue::with_capacity(capacities[unit], overflow(unit as u8)))
                .collect();
            let mut models: Vec<VecDeque<u32>> = vec![VecDeque::new(); 4];
            let mut current: Vec<Option<u32>> = vec![None; 4];
            for op in ops {
                match op {
                    Op::Back(unit, value) | Op::Front(unit, value) => {
                        let unit = unit as usize;
                        let front = matches!(op, Op::Front(..));
                        let item = Queued::new(value).with_priority(priority_of(value));
                        let outcome = pool.push(&mut queues[unit], item, &config, front);
                        let full = models[unit].len() as u32 >= capacities[unit];
                        match (full, overflow(unit as u8)) {
                            (false, _) | (true, QueueOverflow::Grow) => {
                                prop_assert_eq!(outcome, PushOutcome::Queued);
                                if front { models[unit].push_front(value) } else { models[unit].push_back(value) }
                            }
                            (true, QueueOverflow::Reject) => prop_assert_eq!(outcome, PushOutcome::Rejected),
                            (true, QueueOverflow::DropOldest) => {
                                if capacities[unit] == 0 {
                                    prop_assert_eq!(outcome, PushOutcome::Rejected);
                                } else {
                                    prop_assert_eq!(outcome, PushOutcome::DroppedOldest);
                                    while models[unit].len() as u32 >= capacities[unit] {
                                        models[unit].pop_front();
                                    }
                                    if front { models[unit].push_front(value) } else { models[unit].push_back(value) }
                                }
                            }
                        }
                    }
                    Op::Pop(unit) => {
                        let unit = unit as usize;
                        let popped = pool.pop_front(&mut queues[unit]).map(|queued| queued.action);
                        prop_assert_eq!(popped, models[unit].pop_front());
                    }
                    Op::Clear(unit) => {
                        let unit = unit as usize;
                        prop_assert_eq!(pool.clear(&mut queues[unit]) as usize, models[unit].len());
                        models[unit].clear();
                    }
                    Op::RetainEven(unit) => {
                        let unit = unit as usize;
                        pool.retain(&mut queues[unit], |value| value % 2 == 0);
                        models[unit].retain(|value| value % 2 == 0);
                    }
                    Op::Advance(unit) => {
                        // Finish the current action (if any) and start the next.
                        let unit = unit as usize;
                        let mut scratch = pool.scratch();
                        pool.end_current(&mut queues[unit], ActionEnd::Finished, &mut scratch);
                        pool.start_next(&mut queues[unit], &mut scratch, 0);
                        drop(scratch);
                        current[unit] = models[unit].pop_front();
                        prop_assert_eq!(queues[unit].current().copied(), current[unit]);
                    }
                    Op::Reset(unit) => {
                        let unit = unit as usize;
                        queues[unit] = ActionQueue::with_capacity(capacities[unit], overflow(unit as u8));
                        models[unit].clear();
                        current[unit] = None;
                    }
                }
                pool.reclaim();
                for unit in 0..4 {
                    let listed: Vec<u32> = pool.iter(&queues[unit]).map(|queued| queued.action).collect();
                    prop_assert_eq!(&listed, &Vec::from(models[unit].clone()));
                    prop_assert_eq!(queues[unit].len() as usize, models[unit].len());
                    let expected_head = models[unit].front().map_or(0, |&value| priority_of(value));
                    prop_assert_eq!(queues[unit].next_priority(), expected_head);
                }
                let in_use: usize = models.iter().map(VecDeque::len).sum::<usize>()
                    + current.iter().flatten().count();
                prop_assert_eq!(pool.live() as usize, in_use, "nothing lost or leaked");
                prop_assert_eq!(pool.free.len() + in_use, pool.slots.len());
            }
            for queue in &mut queues {
                pool.release_all(queue);
            }
            pool.reclaim();
            prop_assert_eq!(pool.live(), 0);
        }
    }
}
