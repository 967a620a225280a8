//! Registration: `app.add_action_queue::<A>(config)` or `ActionsPlugin::<A>`.

use std::any::type_name;
use std::marker::PhantomData;

use bevy::app::{App, Plugin, PreStartup};
use bevy::ecs::prelude::*;
use bevy::log::debug;
use cohort_sim::{ParIterSystems, SimSchedule, SimSystems};

use crate::config::ActionQueueConfig;
use crate::pool::ActionPool;
use crate::stats::{ActionRegistry, ActionTypeSummary};
use crate::systems::{
    advance_action_queues, merge_action_commands, prepare_action_buffers, reclaim_action_slots,
};
use crate::writer::ActionStaging;

/// Where action queues run, inside `SimSchedule`.
///
/// [`Merge`](Self::Merge), [`Advance`](Self::Advance) and [`Run`](Self::Run) are chained in
/// [`SimSystems::Act`]; [`Reclaim`](Self::Reclaim) is in [`SimSystems::Cleanup`].
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionSystems {
    /// Staged commands enter the queues.
    Merge,
    /// Ended actions retire; the next queued ones start. A unit whose action goes on is
    /// not written, so `Changed<ActionQueue<A>>` marks the units something happened to.
    Advance,
    /// Your systems, one per kind of action, run the current actions here.
    Run,
    /// The pool takes back the slots the advance freed, and its counts. Despawning a unit
    /// with a queue changes the pool too (its slots come back at once): either order is
    /// correct, but Bevy's ambiguity checker wants one, so order despawning systems in
    /// `Cleanup` before or after this set.
    Reclaim,
}

/// The settings `A` was registered with. `Clone`, `Copy` and `Debug` whatever `A` is.
#[derive(Resource)]
pub struct ActionSettings<A> {
    /// As given at registration.
    pub config: ActionQueueConfig,
    _action: PhantomData<fn() -> A>,
}

// By hand: derived, they would ask `A` to be `Clone`, `Copy` and `Debug` too.
impl<A> Clone for ActionSettings<A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A> Copy for ActionSettings<A> {}

impl<A> std::fmt::Debug for ActionSettings<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActionSettings")
            .field("config", &self.config)
            .finish()
    }
}

/// Registers action types on an [`App`].
pub trait ActionsAppExt {
    /// Registers action type `A` (usually an enum of orders): its [`ActionPool`], its
    /// command staging for [`ActionWriter`](crate::ActionWriter) and the systems of
    /// [`ActionSystems`]. A second call for the same type changes nothing.
    fn add_action_queue<A: Send + Sync + PartialEq + 'static>(
        &mut self,
        config: ActionQueueConfig,
    ) -> &mut Self;
}

impl ActionsAppExt for App {
    fn add_action_queue<A: Send + Sync + PartialEq + 'static>(
        &mut self,
        config: ActionQueueConfig,
    ) -> &mut Self {
        if self.world().contains_resource::<ActionPool<A>>() {
            debug!(
                "cohort: action type {} is already registered",
                type_name::<A>()
            );
            return self;
        }
        if !self.world().contains_resource::<ActionRegistry>() {
            self.init_resource::<ActionRegistry>().configure_sets(
                SimSchedule,
                (
                    (
                        ActionSystems::Merge,
                        ActionSystems::Advance,
                        ActionSystems::Run,
                    )
                        .chain()
                        .in_set(SimSystems::Act),
                    ActionSystems::Reclaim.in_set(SimSystems::Cleanup),
                ),
            );
        }
        self.world_mut()
            .resource_mut::<ActionRegistry>()
            .register::<A>(ActionTypeSummary::of::<A>);
        self.insert_resource(ActionSettings::<A> {
            config,
            _action: PhantomData,
        })
        .insert_resource(ActionPool::<A>::new(config.pool_capacity))
        .insert_resource(ActionStaging::<A>::new(config.commands_per_thread))
        .add_systems(PreStartup, prepare_action_buffers::<A>)
        .add_systems(
            SimSchedule,
            (
                merge_action_commands::<A>.in_set(ActionSystems::Merge),
                advance_action_queues::<A>
                    .in_set(ActionSystems::Advance)
                    .in_set(ParIterSystems),
                reclaim_action_slots::<A>.in_set(ActionSystems::Reclaim),
            ),
        )
    }
}

/// Registers action type `A` as a plugin: the same as
/// [`ActionsAppExt::add_action_queue`] with [`Self::config`].
///
/// ```
/// use bevy::prelude::*;
/// use cohort_actions::{ActionQueue, ActionSystems, ActionsPlugin};
/// use cohort_sim::{SimAppExt, SimPlugin, SimSchedule};
///
/// #[derive(Debug, PartialEq)]
/// enum Order {
///     Wait { ticks: u32 },
/// }
///
/// fn run_waits(mut units: Query<&mut ActionQueue<Order>>) {
///     units.par_iter_mut().for_each(|mut queue| {
///         if let Some(&Order::Wait { ticks }) = queue.current()
///             && queue.ticks_running() >= ticks
///         {
///             queue.finish();
///         }
///     });
/// }
///
/// let mut app = App::new();
/// app.add_plugins((
///     MinimalPlugins,
///     SimPlugin::default().fast_forward(1),
///     ActionsPlugin::<Order>::default(),
/// ))
/// .add_systems(SimSchedule, run_waits.in_set(ActionSystems::Run));
/// let unit = app.world_mut().spawn(ActionQueue::<Order>::new()).id();
/// app.world_mut()
///     .resource_scope(|world, mut pool: Mut<cohort_actions::ActionPool<Order>>| {
///         let mut queue = world.get_mut::<ActionQueue<Order>>(unit).unwrap();
///         pool.push_back(&mut queue, Order::Wait { ticks: 3 }.into(), &Default::default());
///     });
/// app.run_sim_ticks(3);
/// let queue = app.world().get::<ActionQueue<Order>>(unit).unwrap();
/// assert_eq!(queue.current(), Some(&Order::Wait { ticks: 3 }));
/// app.run_sim_ticks(1);
/// let queue = app.world().get::<ActionQueue<Order>>(unit).unwrap();
/// assert!(queue.is_idle());
/// ```
pub struct ActionsPlugin<A> {
    /// The type's settings.
    pub config: ActionQueueConfig,
    _action: PhantomData<fn() -> A>,
}

// By hand, as for `ActionSettings`: no bound on `A`.
impl<A> Clone for ActionsPlugin<A> {
    fn clone(&self) -> Self {
        Self::new(self.config)
    }
}

impl<A> std::fmt::Debug for ActionsPlugin<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActionsPlugin")
            .field("action", &type_name::<A>())
            .field("config", &self.config)
            .finish()
    }
}

impl<A> Default for ActionsPlugin<A> {
    fn default() -> Self {
        Self::new(ActionQueueConfig::default())
    }
}

impl<A> ActionsPlugin<A> {
    /// `A` with `config`.
    pub fn new(config: ActionQueueConfig) -> Self {
        Self {
            config,
            _action: PhantomData,
        }
    }
}

impl<A: Send + Sync + PartialEq + 'static> Plugin for ActionsPlugin<A> {
    fn build(&self, app: &mut App) {
        app.add_action_queue::<A>(self.config);
    }

    fn is_unique(&self) -> bool {
        false
    }
}
