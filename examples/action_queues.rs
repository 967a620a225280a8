//! Pooled action queues: 1,000 guards patrol (move, then wait, forever) and a tenth of
//! them are called to an alarm with a higher-priority order that interrupts the patrol,
//! which resumes after. Prints what happened to the orders and the pool.

use bevy::prelude::*;
use cohort::prelude::*;
use cohort_actions::{ActionRegistry, ActionSettings};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Order {
    Walk { to: Vec2 },
    Wait { ticks: u32 },
    Alarm { at: Vec2 },
}

#[derive(Component)]
struct Guard {
    id: u32,
    position: Vec2,
    /// True once it reached the alarm point.
    answered: bool,
}

/// Moves guards toward their walk or alarm point; the order finishes on arrival.
fn walk(mut guards: Query<(&mut Guard, &mut ActionQueue<Order>)>) {
    guards.par_iter_mut().for_each(|(mut guard, mut queue)| {
        let (Some(&Order::Walk { to }) | Some(&Order::Alarm { at: to })) = queue.current() else {
            return;
        };
        let offset = to - guard.position;
        if offset.length() <= 1.0 {
            guard.position = to;
            guard.answered |= matches!(queue.current(), Some(Order::Alarm { .. }));
            queue.finish();
        } else {
            guard.position += offset.normalize();
        }
    });
}

/// Finishes waits after their ticks.
fn wait(mut guards: Query<&mut ActionQueue<Order>>) {
    guards.par_iter_mut().for_each(|mut queue| {
        if let Some(&Order::Wait { ticks }) = queue.current()
            && queue.ticks_running() >= ticks
        {
            queue.finish();
        }
    });
}

/// At tick 40, mid-patrol, every tenth guard runs to the alarm.
fn raise_alarm(tick: Res<SimTick>, guards: Query<(Entity, &Guard)>, orders: ActionWriter<Order>) {
    if tick.get() != 40 {
        return;
    }
    guards.par_iter().for_each(|(entity, guard)| {
        if guard.id % 10 == 0 {
            orders.push_front(
                entity,
                Queued::new(Order::Alarm { at: Vec2::ZERO }).with_priority(1),
            );
        }
    });
}

fn main() {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, SimPlugin::default().fast_forward(1)))
        .add_action_queue::<Order>(ActionQueueConfig::for_units(1_000, 3))
        .add_systems(SimSchedule, raise_alarm.in_set(SimSystems::Decide))
        .add_systems(
            SimSchedule,
            (walk, wait)
                .chain()
                .in_set(ActionSystems::Run)
                .in_set(ParIterSystems),
        );
    for id in 0..1_000u32 {
        let post = Vec2::new((id % 40) as f32 * 5.0, (id / 40) as f32 * 5.0);
        let guard = app
            .world_mut()
            .spawn((
                Guard {
                    id,
                    position: post,
                    answered: false,
                },
                ActionQueue::<Order>::new(),
            ))
            .id();
        // Direct pushes take the config the order type was registered with.
        let config = app.world().resource::<ActionSettings<Order>>().config;
        app.world_mut()
            .resource_scope(|world, mut pool: Mut<ActionPool<Order>>| {
                let mut queue = world
                    .get_mut::<ActionQueue<Order>>(guard)
                    .expect("just spawned");
                let beat = [
                    Order::Walk {
                        to: post + Vec2::new(20.0, 0.0),
                    },
                    Order::Wait { ticks: 10 },
                    Order::Walk { to: post },
                ];
                for order in beat {
                    pool.push_back(
                        &mut queue,
                        Queued::new(order).repeating().resumable(),
                        &config,
                    );
                }
            });
    }
    app.run_sim_ticks(200);
    for (name, summary) in ActionRegistry::summaries(app.world()) {
        let counts = summary.counts;
        println!(
            "{name}: {} enqueued, {} started, {} finished, {} interrupted; latency p95 {} ticks",
            counts.enqueued,
            counts.started,
            counts.finished,
            counts.interrupted,
            summary.latency_ticks_p95
        );
        println!(
            "pool: {} of {} slots live, high water {}, {} growths",
            summary.pool.live, summary.pool.capacity, summary.pool.high_water, summary.pool.growths
        );
    }
    let mut guards = app.world_mut().query::<&Guard>();
    let called = guards.iter(app.world()).filter(|guard| guard.id % 10 == 0);
    let (called, answered) = called.fold((0, 0), |(called, answered), guard| {
        (called + 1, answered + u32::from(guard.answered))
    });
    println!("{answered} of the {called} guards called reached the alarm point by tick 200");
}
