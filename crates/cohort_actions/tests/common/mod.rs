//! A small app for the tests: units with `Order` queues on 2 compute threads, and one
//! system that runs every timed order.

#![allow(dead_code)]

use bevy::app::{PluginGroup, TaskPoolPlugin};
use bevy::prelude::*;
use cohort_actions::{
    ActionPool, ActionQueue, ActionQueueConfig, ActionSystems, ActionsAppExt, Queued,
};
use cohort_sim::{ParIterSystems, SimAppExt, SimPlugin, SimSchedule, task_pool_options};
use serde::{Deserialize, Serialize};

/// The test orders: each runs for its ticks, then finishes; `Hold` never finishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Order {
    Move { ticks: u32 },
    Wait { ticks: u32 },
    Flee { ticks: u32 },
    Hold,
}

impl Order {
    fn ticks(self) -> Option<u32> {
        match self {
            Self::Move { ticks } | Self::Wait { ticks } | Self::Flee { ticks } => Some(ticks),
            Self::Hold => None,
        }
    }
}

/// An app with `Order` registered under `config`, on `threads` compute threads, running
/// one tick per update.
pub fn test_app(threads: usize, config: ActionQueueConfig) -> App {
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins.set(TaskPoolPlugin {
            task_pool_options: task_pool_options(threads),
        }),
        SimPlugin::default().fast_forward(1),
    ))
    .add_action_queue::<Order>(config)
    .add_systems(
        SimSchedule,
        run_timed_orders
            .in_set(ActionSystems::Run)
            .in_set(ParIterSystems),
    );
    app
}

/// Finishes each timed order after its ticks.
pub fn run_timed_orders(mut units: Query<&mut ActionQueue<Order>>) {
    units.par_iter_mut().for_each(|mut queue| {
        let Some(ticks) = queue.current().and_then(|order| order.ticks()) else {
            return;
        };
        if queue.ticks_running() >= ticks {
            queue.finish();
        }
    });
}

/// Pushes `items` at the back of `unit`'s queue through the pool.
pub fn push(app: &mut App, unit: Entity, items: impl IntoIterator<Item = Queued<Order>>) {
    let config = app
        .world()
        .resource::<cohort_actions::ActionSettings<Order>>()
        .config;
    app.world_mut()
        .resource_scope(|world, mut pool: Mut<ActionPool<Order>>| {
            let mut queue = world
                .get_mut::<ActionQueue<Order>>(unit)
                .expect("the unit has a queue");
            for item in items {
                pool.push_back(&mut queue, item, &config);
            }
        });
}

/// `unit`'s queue: its current order and its queued ones.
pub fn orders(app: &App, unit: Entity) -> (Option<Order>, Vec<Order>) {
    let queue = app
        .world()
        .get::<ActionQueue<Order>>(unit)
        .expect("the unit has a queue");
    let pool = app.world().resource::<ActionPool<Order>>();
    (
        queue.current().copied(),
        pool.iter(queue).map(|queued| queued.action).collect(),
    )
}

pub fn queue(app: &App, unit: Entity) -> &ActionQueue<Order> {
    app.world()
        .get::<ActionQueue<Order>>(unit)
        .expect("the unit has a queue")
}

pub fn pool(app: &App) -> &ActionPool<Order> {
    app.world().resource::<ActionPool<Order>>()
}

/// Runs one simulation tick.
pub fn tick(app: &mut App) {
    app.run_sim_ticks(1);
}
