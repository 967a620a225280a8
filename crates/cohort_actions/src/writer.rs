//! `ActionWriter`: orders from any system, `par_iter` closures included, staged per thread
//! and merged in a fixed order at the start of `SimSystems::Act`.

use std::cell::Cell;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

use bevy::ecs::entity::Entity;
use bevy::ecs::resource::Resource;
use bevy::ecs::system::{Local, Res, SystemParam};
use bevy::ecs::world::{FromWorld, World};
use bevy::utils::Parallel;
use cohort_sim::SimTick;

use crate::queued::Queued;

/// A change to one unit's queue.
#[derive(Debug, Clone)]
pub enum ActionCommand<A> {
    /// Queue at the end (a shift-click).
    PushBack(Queued<A>),
    /// Queue at the front, to start next.
    PushFront(Queued<A>),
    /// Cancel the current action, clear the queue and queue this (a plain click).
    Replace(Queued<A>),
    /// Drop every queued action; the current one goes on.
    Clear,
    /// Cancel the current action; the next queued one starts.
    CancelCurrent,
    /// Cancel the current action and clear the queue.
    Stop,
    /// Drop the queued actions for which the function is true, and cancel the current
    /// one if it is true for it too.
    CancelWhere(fn(&A) -> bool),
}

/// A command as written: its unit, its source, its writer and its place in the
/// writer's thread buffer.
pub(crate) struct StagedCommand<A> {
    pub target: Entity,
    pub source: u64,
    pub rank: u32,
    pub seq: u32,
    pub command: ActionCommand<A>,
}

impl<A> StagedCommand<A> {
    /// Its place in the merge order, and its index among the merged commands.
    pub(crate) fn merge_key(&self, index: u32) -> MergeKey {
        MergeKey {
            unit: self.target.to_bits(),
            source: self.source,
            rank: self.rank,
            seq: self.seq,
            index,
        }
    }
}

/// A staged command's place in the merge order: by unit (entity), then source, then
/// writer, then write order. The whole key is in it, so sorting compares plain values and
/// never reads the commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct MergeKey {
    unit: u64,
    source: u64,
    rank: u32,
    seq: u32,
    /// Where the command is in the merged list: breaks the rare ties (one writer on two
    /// threads ordering one unit from one source), as the merged list's order.
    pub index: u32,
}

/// The per-thread command buffers of one action type.
#[derive(Resource)]
pub(crate) struct ActionStaging<A: Send + Sync + 'static> {
    pub buffers: Parallel<Vec<StagedCommand<A>>>,
    /// The merge's work buffers, kept between ticks: every thread's commands, their
    /// order as keys (sorting keys, not whole commands), and the sort's second buffer.
    pub merged: Vec<StagedCommand<A>>,
    pub order: Vec<MergeKey>,
    pub order_scratch: Vec<MergeKey>,
    next_rank: AtomicU32,
    per_thread_capacity: usize,
}

impl<A: Send + Sync + 'static> ActionStaging<A> {
    pub fn new(per_thread_capacity: usize) -> Self {
        Self {
            buffers: Parallel::default(),
            merged: Vec::with_capacity(per_thread_capacity * 2),
            order: Vec::with_capacity(per_thread_capacity * 2),
            order_scratch: Vec::with_capacity(per_thread_capacity * 2),
            next_rank: AtomicU32::new(0),
            per_thread_capacity,
        }
    }

    /// Makes this thread's buffer, with its full capacity.
    pub fn prepare_local(&self) {
        drop(self.local());
    }

    fn local(&self) -> impl std::ops::DerefMut<Target = Vec<StagedCommand<A>>> + '_ {
        let capacity = self.per_thread_capacity;
        self.buffers
            .borrow_local_mut_or(move || Vec::with_capacity(capacity))
    }

    fn take_rank(&self) -> u32 {
        self.next_rank.fetch_add(1, Relaxed)
    }
}

/// Writes orders for units with an [`ActionQueue<A>`](crate::ActionQueue): shared access
/// only, so many writer systems run in parallel and every method works inside `par_iter`
/// closures, without a lock. The orders are merged into the queues at the start of the
/// next [`SimSystems::Act`](cohort_sim::SimSystems::Act) (the same tick when written in
/// `Sense` or `Decide`), ordered by unit, then source, then writer, then write order: the
/// same on any number of threads.
///
/// Write order is kept within what one thread writes at a time: one closure call of a
/// `par_iter`, or serial code. When one writer orders one unit from two of those (two
/// passes, or a serial `replace` and a parallel `push_back`) with the same source (the
/// unit itself unless given), their relative order depends on the threads: give each its
/// own source with [`command_from`](Self::command_from).
///
/// ```
/// # use bevy::prelude::*;
/// # use cohort_actions::{ActionWriter, Queued};
/// # #[derive(Debug, PartialEq)] enum Order { Move(Vec2), Flee }
/// # #[derive(Component)] struct Health(f32);
/// fn flee_when_hurt(units: Query<(Entity, &Health)>, orders: ActionWriter<Order>) {
///     units.par_iter().for_each(|(unit, health)| {
///         if health.0 < 10.0 {
///             orders.replace(unit, Queued::new(Order::Flee).with_priority(9));
///         }
///     });
/// }
/// ```
///
/// The convenience methods take the unit as the source: correct when each `par_iter` item
/// orders only itself. When several items order one unit in the same system (a captain
/// and his squad), use [`Self::command_from`] with the writer's own entity as the source,
/// so their order does not depend on which thread ran which item.
#[derive(SystemParam)]
pub struct ActionWriter<'w, 's, A: Send + Sync + 'static> {
    staging: Res<'w, ActionStaging<A>>,
    tick: Option<Res<'w, SimTick>>,
    rank: Local<'s, WriterRank<A>>,
}

impl<A: Send + Sync + 'static> ActionWriter<'_, '_, A> {
    /// Runs `write` with this thread's command buffer borrowed once: for several orders
    /// in a row (a click and four shift-clicks), each order then skips the thread-local
    /// lookup that a call on the writer itself makes. The orders and their merge order
    /// are the same as through the writer.
    ///
    /// ```
    /// # use bevy::prelude::*;
    /// # use cohort_actions::ActionWriter;
    /// # #[derive(Debug, PartialEq)] enum Order { Move(Vec2), Wait }
    /// # #[derive(Component)] struct Post(Vec2);
    /// fn patrol_posts(units: Query<(Entity, &Post)>, orders: ActionWriter<Order>) {
    ///     units.par_iter().for_each(|(unit, post)| {
    ///         orders.scope(|orders| {
    ///             orders.replace(unit, Order::Move(post.0));
    ///             orders.push_back(unit, Order::Wait);
    ///             orders.push_back(unit, Order::Move(-post.0));
    ///         });
    ///     });
    /// }
    /// ```
    ///
    /// # Panics
    ///
    /// If `write` orders through a writer of the same type itself (not through its
    /// argument) on the same thread, directly or inside another type's scope: the buffer
    /// is already borrowed, and the message says so.
    pub fn scope<R>(&self, write: impl FnOnce(&mut UnitOrders<'_, A>) -> R) -> R {
        let _open = OpenScope::enter(&self.staging);
        let tick = self.tick.as_ref().map_or(0, |tick| tick.get());
        let mut buffer = self.staging.local();
        write(&mut UnitOrders {
            buffer: &mut buffer,
            tick,
            rank: self.rank.rank,
        })
    }

    /// Stages `command` for `unit`, from `source`.
    pub fn command_from(&self, source: Entity, unit: Entity, command: ActionCommand<A>) {
        self.scope(|orders| orders.command_from(source, unit, command));
    }

    /// Stages `command` for `unit`, from the unit itself.
    pub fn command(&self, unit: Entity, command: ActionCommand<A>) {
        self.command_from(unit, unit, command);
    }

    /// Queues `action` at the end of `unit`'s queue (a shift-click).
    pub fn push_back(&self, unit: Entity, action: impl Into<Queued<A>>) {
        self.command(unit, ActionCommand::PushBack(action.into()));
    }

    /// Queues `action` at the front of `unit`'s queue, to start next.
    pub fn push_front(&self, unit: Entity, action: impl Into<Queued<A>>) {
        self.command(unit, ActionCommand::PushFront(action.into()));
    }

    /// Cancels `unit`'s current action, clears its queue and queues `action` (a click).
    pub fn replace(&self, unit: Entity, action: impl Into<Queued<A>>) {
        self.command(unit, ActionCommand::Replace(action.into()));
    }

    /// Drops `unit`'s queued actions; the current one goes on.
    pub fn clear(&self, unit: Entity) {
        self.command(unit, ActionCommand::Clear);
    }

    /// Cancels `unit`'s current action; its next queued one starts.
    pub fn cancel_current(&self, unit: Entity) {
        self.command(unit, ActionCommand::CancelCurrent);
    }

    /// Cancels `unit`'s current action and clears its queue.
    pub fn stop(&self, unit: Entity) {
        self.command(unit, ActionCommand::Stop);
    }

    /// Cancels `unit`'s current and queued actions for which `matches` is true.
    pub fn cancel_where(&self, unit: Entity, matches: fn(&A) -> bool) {
        self.command(unit, ActionCommand::CancelWhere(matches));
    }
}

/// An [`ActionWriter`]'s thread buffer in hand, from [`ActionWriter::scope`]: stages
/// orders as the writer's methods of the same names do, without looking the buffer up
/// for each. The other commands (`Clear`, `Stop`, ...) go through [`UnitOrders::command`].
pub struct UnitOrders<'a, A> {
    buffer: &'a mut Vec<StagedCommand<A>>,
    tick: u64,
    rank: u32,
}

impl<A> UnitOrders<'_, A> {
    /// Stages `command` for `unit`, from `source` (see [`ActionWriter::command_from`]).
    pub fn command_from(&mut self, source: Entity, unit: Entity, command: ActionCommand<A>) {
        let tick = self.tick;
        let command = match command {
            ActionCommand::PushBack(item) => ActionCommand::PushBack(stamp(item, tick)),
            ActionCommand::PushFront(item) => ActionCommand::PushFront(stamp(item, tick)),
            ActionCommand::Replace(item) => ActionCommand::Replace(stamp(item, tick)),
            other => other,
        };
        let seq = self.buffer.len() as u32;
        self.buffer.push(StagedCommand {
            target: unit,
            source: source.to_bits(),
            rank: self.rank,
            seq,
            command,
        });
    }

    /// Stages `command` for `unit`, from the unit itself.
    pub fn command(&mut self, unit: Entity, command: ActionCommand<A>) {
        self.command_from(unit, unit, command);
    }

    /// Queues `action` at the end of `unit`'s queue.
    pub fn push_back(&mut self, unit: Entity, action: impl Into<Queued<A>>) {
        self.command(unit, ActionCommand::PushBack(action.into()));
    }

    /// Queues `action` at the front of `unit`'s queue.
    pub fn push_front(&mut self, unit: Entity, action: impl Into<Queued<A>>) {
        self.command(unit, ActionCommand::PushFront(action.into()));
    }

    /// Cancels `unit`'s current action, clears its queue and queues `action`.
    pub fn replace(&mut self, unit: Entity, action: impl Into<Queued<A>>) {
        self.command(unit, ActionCommand::Replace(action.into()));
    }
}

/// Scopes nested on one thread that [`OpenScope`] tracks; deeper ones go unchecked (the
/// buffer's own borrow check still catches a repeat, with a plainer message).
const TRACKED_SCOPES: usize = 8;

thread_local! {
    /// The stagings whose buffers the [`ActionWriter::scope`]s open on this thread hold
    /// (their addresses, innermost last), and how many there are.
    static OPEN_SCOPES: Cell<([usize; TRACKED_SCOPES], usize)> =
        const { Cell::new(([0; TRACKED_SCOPES], 0)) };
}

/// Marks a staging's buffer as held by a scope on this thread, until dropped.
struct OpenScope;

impl OpenScope {
    /// Marks `staging`'s buffer; a writer of the same staging already in a scope on this
    /// thread, however deep, would find the buffer borrowed, so that panics here, naming
    /// the fix.
    fn enter<A: Send + Sync + 'static>(staging: &ActionStaging<A>) -> Self {
        let address = std::ptr::from_ref(staging) as usize;
        let (mut open, depth) = OPEN_SCOPES.get();
        assert!(
            !open[..depth.min(TRACKED_SCOPES)].contains(&address),
            "an ActionWriter<{}> ordered inside its own ActionWriter::scope on the same \
             thread; write through the scope's argument instead",
            std::any::type_name::<A>()
        );
        if let Some(top) = open.get_mut(depth) {
            *top = address;
        }
        OPEN_SCOPES.set((open, depth + 1));
        Self
    }
}

impl Drop for OpenScope {
    fn drop(&mut self) {
        let (open, depth) = OPEN_SCOPES.get();
        OPEN_SCOPES.set((open, depth.saturating_sub(1)));
    }
}

fn stamp<A>(item: Queued<A>, tick: u64) -> Queued<A> {
    Queued {
        enqueued: tick,
        ..item
    }
}

/// A writer system's rank, taken once when Bevy initializes the system: an order of
/// writers that does not depend on threads.
#[doc(hidden)]
pub struct WriterRank<A> {
    rank: u32,
    _action: PhantomData<fn() -> A>,
}

impl<A: Send + Sync + 'static> FromWorld for WriterRank<A> {
    fn from_world(world: &mut World) -> Self {
        // Without the staging resource the writer's `Res` fails validation and Bevy names
        // the missing resource: the type was not registered.
        let rank = world
            .get_resource::<ActionStaging<A>>()
            .map_or(u32::MAX, ActionStaging::take_rank);
        Self {
            rank,
            _action: PhantomData,
        }
    }
}
