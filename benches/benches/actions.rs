//! Action queues beside bevy-sequential-actions 0.16, the same workloads in one run, one
//! `App::update` per tick on two compute threads:
//!
//! - `patrol`: every unit repeats Move (4 ticks) then Wait (2 ticks) forever: a
//!   transition every 3 ticks per unit on average. At 1k, 10k and 50k units.
//! - `order_spam`: a tenth of the units get 5 new orders each tick (a click and four
//!   shift-clicks), on top of the patrol. At 10k and 50k units.
//! - `long_queues`: 300 one-tick actions per unit, repeating: a transition per unit per
//!   tick. At 1k and 10k units.
//! - `despawn_storm`: a fifth of the units are despawned each tick and as many spawned
//!   with a full queue of 8 actions. At 10k units.
//!
//! - beside the patrol, `kind_passes_only`: no queues, only the two passes over every unit
//!   that its two kinds of order make when each kind is a plain Bevy system over a query
//!   (the issue's design): a floor for any way of running them so; over 64-byte
//!   components (an `ActionQueue<Order>`'s size) and, `kind_passes_only_16_bytes`, over
//!   16-byte ones (the least a kind system reads).
//!
//! Each way has a timer system that counts its units' timers down (in `par_iter`), as a
//! game would. cohort: one enum of orders in one pool, `ActionWriter` orders, the timed
//! orders run by one system per kind in `ActionSystems::Run`. bevy-sequential-actions:
//! one boxed `Action` per order, started and finished through `&mut World` by its
//! `check_actions` in `Last`; a repeating action re-adds itself when it is dropped as done
//! (its own idiom, one box per repeat). Before the timings the bench prints each way's
//! transitions and heap allocations per tick, and an empty app's time per update.
//!
//! ```text
//! cargo bench -p cohort_benches --bench actions
//! ACTIONS_BENCH_FIGURES=0 cargo bench -p cohort_benches --bench actions -- patrol_50k   # timings only
//! ```

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use bevy::app::{App, Last, PluginGroup, TaskPoolPlugin, Update};
use bevy::prelude::*;
use bevy_sequential_actions::{
    Action, ActionsProxy, BoxedAction, DropReason, ManageActions, SequentialActions,
    SequentialActionsPlugin, StopReason,
};
use cohort_actions::{
    ActionPool, ActionQueue, ActionQueueConfig, ActionSystems, ActionWriter, ActionsAppExt, Queued,
};
use cohort_alloc::{AllocSnapshot, CountingAllocator};
use cohort_sim::{
    ParIterSystems, SimPlugin, SimSchedule, SimSystems, SimTick, finish_plugins, task_pool_options,
};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Workload {
    Patrol,
    OrderSpam,
    LongQueues,
    DespawnStorm,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Way {
    Cohort,
    SequentialActions,
    /// No queues: only the passes over every unit a patrol's kind systems make, over a
    /// 64-byte component (an `ActionQueue<Order>`'s size).
    PassesOnly,
    /// The same over a 16-byte component (the least a kind system can read: a kind, a
    /// start tick and an order's payload).
    PassesOnly16,
}

const WAYS: [(&str, Way); 2] = [
    ("cohort_actions", Way::Cohort),
    ("bevy_sequential_actions", Way::SequentialActions),
];

/// The patrol's ways, and two floors beside them: two `par_iter_mut` systems (one per
/// kind of order) over a component per unit that read what a kind system reads and never
/// write, in the same schedule; the component of 64 bytes is the size of an
/// `ActionQueue<Order>`, the one of 16 the least any design's kind system reads. Each
/// kind system passes over every unit, so no way of running kinds as plain Bevy systems
/// over a query (with its state in a component of that size) takes less than this,
/// whatever it does between them.
const PATROL_WAYS: [(&str, Way); 4] = [
    WAYS[0],
    WAYS[1],
    ("kind_passes_only", Way::PassesOnly),
    ("kind_passes_only_16_bytes", Way::PassesOnly16),
];

fn ways(workload: Workload) -> &'static [(&'static str, Way)] {
    if workload == Workload::Patrol {
        &PATROL_WAYS
    } else {
        &WAYS
    }
}

/// A unit's number, for picking which units the spam and the storm touch.
#[derive(Component, Clone, Copy)]
struct UnitId(u32);

/// The order set of the cohort way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Move { ticks: u32 },
    Wait { ticks: u32 },
}

/// Runs cohort moves: each one finishes after its ticks.
fn run_moves(mut units: Query<&mut ActionQueue<Order>>) {
    units.par_iter_mut().for_each(|mut queue| {
        if let Some(&Order::Move { ticks }) = queue.current()
            && queue.ticks_running() >= ticks
        {
            queue.finish();
        }
    });
}

/// Runs cohort waits: each one finishes after its ticks.
fn run_waits(mut units: Query<&mut ActionQueue<Order>>) {
    units.par_iter_mut().for_each(|mut queue| {
        if let Some(&Order::Wait { ticks }) = queue.current()
            && queue.ticks_running() >= ticks
        {
            queue.finish();
        }
    });
}

/// A unit's state for the passes-only floors: a kind, a start tick, and `REST` words
/// unread (7 for 64 bytes, 1 for 16).
#[derive(Component)]
struct Passed<const REST: usize> {
    kind: u32,
    started: u32,
    _rest: [u64; REST],
}

/// One pass of a floor: reads each unit's kind and start, as a kind system does.
fn pass_over<const KIND: u32, const REST: usize>(
    tick: Res<SimTick>,
    mut units: Query<&mut Passed<REST>>,
) {
    let now = tick.get() as u32;
    units.par_iter_mut().for_each(|mut unit| {
        // Never true: the floor only reads.
        if unit.kind == KIND && now.wrapping_sub(unit.started) == u32::MAX {
            unit.started = now;
        }
    });
}

/// The floor's two kind passes, over `Passed<REST>`.
fn add_kind_passes<const REST: usize>(app: &mut App) {
    app.add_plugins(SimPlugin::default().fast_forward(1))
        .add_systems(
            SimSchedule,
            (pass_over::<0, REST>, pass_over::<1, REST>)
                .chain()
                .in_set(SimSystems::Act)
                .in_set(ParIterSystems),
        );
}

/// A unit of the floor: half of them of each kind.
fn spawn_passed<const REST: usize>(world: &mut World, id: u32) -> Entity {
    let unit = Passed::<REST> {
        kind: id % 2,
        started: 0,
        _rest: [0; REST],
    };
    world.spawn(unit).id()
}

/// The peer's timer: set when an action starts, counted down each tick.
#[derive(Component, Default)]
struct Countdown(u32);

fn count_down(mut units: Query<&mut Countdown>) {
    units.par_iter_mut().for_each(|mut countdown| {
        if countdown.0 > 0 {
            countdown.0 -= 1;
        }
    });
}

/// The peer's timed action: a move or a wait of `ticks`, repeating or not.
struct Timed {
    ticks: u32,
    repeat: bool,
}

impl Action for Timed {
    fn is_finished(&self, agent: Entity, world: &World) -> bool {
        world
            .get::<Countdown>(agent)
            .is_none_or(|countdown| countdown.0 == 0)
    }

    fn on_start(&mut self, agent: Entity, world: &mut World) -> bool {
        PEER_STARTS.fetch_add(1, Relaxed);
        if let Some(mut countdown) = world.get_mut::<Countdown>(agent) {
            countdown.0 = self.ticks;
        }
        false
    }

    fn on_stop(&mut self, _agent: Option<Entity>, _world: &mut World, _reason: StopReason) {}

    fn on_drop(self: Box<Self>, agent: Option<Entity>, world: &mut World, reason: DropReason) {
        if self.repeat
            && reason == DropReason::Done
            && let Some(agent) = agent
        {
            // The box goes back as it is, as the crate's own repeat example does: no
            // allocation for the repeat itself.
            let again: BoxedAction = self;
            world.actions(agent).start(false).add([again]);
        }
    }
}

/// The peer's transitions: every action start (one relaxed add on the one thread that
/// runs `check_actions`).
static PEER_STARTS: AtomicU64 = AtomicU64::new(0);

fn plan(workload: Workload) -> Vec<(u32, bool)> {
    match workload {
        Workload::Patrol | Workload::OrderSpam => vec![(4, true), (2, true)],
        Workload::LongQueues => vec![(1, true); 300],
        Workload::DespawnStorm => (0..8).map(|step| (step % 3 + 1, false)).collect(),
    }
}

fn order(index: usize, ticks: u32, repeat: bool) -> Queued<Order> {
    let action = if index.is_multiple_of(2) {
        Order::Move { ticks }
    } else {
        Order::Wait { ticks }
    };
    let queued = Queued::new(action);
    if repeat { queued.repeating() } else { queued }
}

fn bench_app(way: Way, workload: Workload, units: u32) -> App {
    let mut app = App::new();
    app.add_plugins(MinimalPlugins.set(TaskPoolPlugin {
        task_pool_options: task_pool_options(2),
    }));
    let per_unit = plan(workload).len() as u32 + 5;
    match way {
        Way::Cohort => {
            app.add_plugins(SimPlugin::default().fast_forward(1))
                .add_action_queue::<Order>(
                    ActionQueueConfig::for_units(units, per_unit).with_unit_capacity(
                        per_unit.max(16),
                        cohort_actions::QueueOverflow::Reject,
                    ),
                )
                .add_systems(
                    SimSchedule,
                    (run_moves, run_waits)
                        .chain()
                        .in_set(ActionSystems::Run)
                        .in_set(ParIterSystems),
                );
            match workload {
                Workload::OrderSpam => {
                    app.add_systems(SimSchedule, spam_cohort.in_set(SimSystems::Decide));
                }
                Workload::DespawnStorm => {
                    app.add_systems(SimSchedule, storm_cohort.in_set(SimSystems::Decide));
                }
                Workload::Patrol | Workload::LongQueues => {}
            }
        }
        Way::PassesOnly => add_kind_passes::<7>(&mut app),
        Way::PassesOnly16 => add_kind_passes::<1>(&mut app),
        Way::SequentialActions => {
            app.add_plugins(SequentialActionsPlugin)
                .init_resource::<PeerTick>()
                .add_systems(Update, count_down)
                .add_systems(Last, next_peer_tick);
            match workload {
                Workload::OrderSpam => {
                    app.add_systems(Update, spam_peer.before(count_down));
                }
                Workload::DespawnStorm => {
                    app.add_systems(Update, storm_peer.before(count_down));
                }
                Workload::Patrol | Workload::LongQueues => {}
            }
        }
    }
    let plan = plan(workload);
    for id in 0..units {
        spawn_unit(app.world_mut(), way, id, &plan);
    }
    finish_plugins(&mut app);
    for _ in 0..30 {
        app.update();
    }
    app
}

/// The peer's tick counter (cohort has `SimTick`).
#[derive(Resource, Default)]
struct PeerTick(u64);

fn next_peer_tick(mut tick: ResMut<PeerTick>) {
    tick.0 += 1;
}

fn spawn_unit(world: &mut World, way: Way, id: u32, plan: &[(u32, bool)]) -> Entity {
    match way {
        Way::Cohort => {
            let unit = world.spawn((UnitId(id), ActionQueue::<Order>::new())).id();
            let config = world
                .resource::<cohort_actions::ActionSettings<Order>>()
                .config;
            world.resource_scope(|world, mut pool: Mut<ActionPool<Order>>| {
                let mut queue = world.get_mut::<ActionQueue<Order>>(unit).expect("spawned");
                for (index, &(ticks, repeat)) in plan.iter().enumerate() {
                    pool.push_back(&mut queue, order(index, ticks, repeat), &config);
                }
            });
            unit
        }
        Way::SequentialActions => {
            let unit = world
                .spawn((UnitId(id), Countdown::default(), SequentialActions))
                .id();
            let actions: Vec<Box<dyn Action>> = plan
                .iter()
                .map(|&(ticks, repeat)| Box::new(Timed { ticks, repeat }) as Box<dyn Action>)
                .collect();
            world.actions(unit).add(actions);
            unit
        }
        Way::PassesOnly => spawn_passed::<7>(world, id),
        Way::PassesOnly16 => spawn_passed::<1>(world, id),
    }
}

/// True for the tenth of the units spammed (or the fifth stormed) this tick.
fn picked(id: u32, tick: u64, every: u32) -> bool {
    (u64::from(id) + tick).is_multiple_of(u64::from(every))
}

fn spam_cohort(tick: Res<SimTick>, units: Query<(Entity, &UnitId)>, orders: ActionWriter<Order>) {
    let tick = tick.get();
    units.par_iter().for_each(|(unit, id)| {
        if !picked(id.0, tick, 10) {
            return;
        }
        // One unit's five orders with the thread's buffer borrowed once.
        orders.scope(|orders| {
            orders.replace(unit, order(0, 4, true));
            for index in 1..5 {
                orders.push_back(unit, order(index, 2, index % 2 == 1));
            }
        });
    });
}

fn spam_peer(tick: Res<PeerTick>, units: Query<(Entity, &UnitId)>, mut commands: Commands) {
    for (unit, id) in &units {
        if !picked(id.0, tick.0, 10) {
            continue;
        }
        // An array, not a Vec: only the boxes allocate.
        let actions: [Box<dyn Action>; 5] = std::array::from_fn(|index| {
            let ticks = if index == 0 { 4 } else { 2 };
            Box::new(Timed {
                ticks,
                repeat: index == 0 || index % 2 == 1,
            }) as Box<dyn Action>
        });
        commands.actions(unit).clear().add(actions);
    }
}

fn storm_cohort(
    tick: Res<SimTick>,
    units: Query<(Entity, &UnitId)>,
    orders: ActionWriter<Order>,
    mut commands: Commands,
) {
    let tick = tick.get();
    for (unit, id) in &units {
        if !picked(id.0, tick, 5) {
            continue;
        }
        commands.entity(unit).despawn();
        let new = commands
            .spawn((UnitId(id.0), ActionQueue::<Order>::new()))
            .id();
        for (index, (ticks, repeat)) in plan(Workload::DespawnStorm).into_iter().enumerate() {
            orders.push_back(new, order(index, ticks, repeat));
        }
    }
}

fn storm_peer(tick: Res<PeerTick>, units: Query<(Entity, &UnitId)>, mut commands: Commands) {
    for (unit, id) in &units {
        if !picked(id.0, tick.0, 5) {
            continue;
        }
        commands.entity(unit).despawn();
        let new = commands
            .spawn((UnitId(id.0), Countdown::default(), SequentialActions))
            .id();
        let actions: [Box<dyn Action>; 8] = std::array::from_fn(|step| {
            Box::new(Timed {
                ticks: step as u32 % 3 + 1,
                repeat: false,
            }) as Box<dyn Action>
        });
        commands.actions(new).add(actions);
    }
}

/// Transitions (action starts) so far: the pool's count, the peer's, or none.
fn transitions(app: &App, way: Way) -> u64 {
    match way {
        Way::Cohort => app.world().resource::<ActionPool<Order>>().counts().started,
        Way::SequentialActions => PEER_STARTS.load(Relaxed),
        Way::PassesOnly | Way::PassesOnly16 => 0,
    }
}

/// Prints each way's transitions, allocations and time per tick, measured over 100 ticks
/// after the warm-up, and an empty app's time per update.
fn print_figures(cases: &[(&str, Workload, u32)]) {
    println!("per tick, after 30 warm-up ticks, over 100 ticks (all threads):");
    for &(label, workload, units) in cases {
        for &(name, way) in ways(workload) {
            let mut app = bench_app(way, workload, units);
            let starts = transitions(&app, way);
            let before = AllocSnapshot::take();
            let start = Instant::now();
            for _ in 0..100 {
                app.update();
            }
            let elapsed = start.elapsed().as_secs_f64() / 100.0;
            let allocations =
                AllocSnapshot::take().since(&before).allocating_calls() as f64 / 100.0;
            let transitions = (transitions(&app, way) - starts) as f64 / 100.0;
            println!(
                "  {label} {name}: {transitions:.0} transitions, {allocations:.1} allocations, {:.3} ms ({:.1} ns per transition)",
                elapsed * 1e3,
                elapsed * 1e9 / transitions.max(1.0)
            );
        }
    }
    let mut empty = App::new();
    empty.add_plugins((
        MinimalPlugins.set(TaskPoolPlugin {
            task_pool_options: task_pool_options(2),
        }),
        SimPlugin::default().fast_forward(1),
    ));
    finish_plugins(&mut empty);
    for _ in 0..30 {
        empty.update();
    }
    let before = AllocSnapshot::take();
    let start = Instant::now();
    for _ in 0..100 {
        empty.update();
    }
    println!(
        "  an app with no systems of its own: {:.1} allocations, {:.3} ms per update",
        AllocSnapshot::take().since(&before).allocating_calls() as f64 / 100.0,
        start.elapsed().as_secs_f64() * 1e3 / 100.0
    );
}

fn actions(c: &mut Criterion) {
    let cases = [
        ("patrol_1k", Workload::Patrol, 1_000),
        ("patrol_10k", Workload::Patrol, 10_000),
        ("patrol_50k", Workload::Patrol, 50_000),
        ("order_spam_10k", Workload::OrderSpam, 10_000),
        ("order_spam_50k", Workload::OrderSpam, 50_000),
        ("long_queues_1k", Workload::LongQueues, 1_000),
        ("long_queues_10k", Workload::LongQueues, 10_000),
        ("despawn_storm_10k", Workload::DespawnStorm, 10_000),
    ];
    // `ACTIONS_BENCH_FIGURES=0` skips the printed figures (for profiling one case).
    if std::env::var("ACTIONS_BENCH_FIGURES").as_deref() != Ok("0") {
        print_figures(&cases);
    }
    for (label, workload, units) in cases {
        let mut group = c.benchmark_group(format!("actions_{label}"));
        group
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(4))
            .sample_size(20);
        for &(name, way) in ways(workload) {
            let mut app = bench_app(way, workload, units);
            group.bench_function(BenchmarkId::from_parameter(name), |b| {
                b.iter(|| app.update());
            });
        }
        group.finish();
    }
}

criterion_group!(benches, actions);
criterion_main!(benches);
