//! After warm-up, writing, flushing and reading a storm of events allocates nothing above
//! Bevy's floor: staging, sort and batch buffers keep their capacity.

mod common;

use cohort_alloc::CountingAllocator;
use cohort_events::{EventBatch, EventBatchConfig};
use cohort_profiler::{Profiler, ProfilerPlugin, SteadyState};
use cohort_sim::finish_plugins;
use common::{Hit, merge_hits, storm_app};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

/// The tests take turns: every app in a process shares one compute pool, and an app's
/// start-up visit to each pool thread (to make its staging buffers) must not meet
/// another app's work there.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn a_storm_allocates_nothing_above_the_floor_after_warm_up() {
    let _turn = TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // Capacity below the real load: the buffers grow during warm-up, then stay.
    let mut app = storm_app(
        2,
        10_000,
        EventBatchConfig::default()
            .with_capacity(1_000)
            .coalesce(merge_hits),
    );
    app.add_plugins(ProfilerPlugin::default());
    finish_plugins(&mut app);
    SteadyState::new(60, 120)
        .only(&["cohort_events::", "steady_state::", "common::"])
        .assert(&mut app);
    // The check covered the flush, both writers and the reader.
    let profiler = app.world().resource::<Profiler>();
    for name in [
        "cohort_events::flush::flush_events",
        "steady_state::common::write_hits",
        "steady_state::common::write_bonus_hits",
        "steady_state::common::apply_hits",
    ] {
        let runs = profiler
            .runs_of(name)
            .unwrap_or_else(|| panic!("{name} is profiled"));
        assert!(runs >= 170, "{name} ran once a tick: {runs}");
    }
    let stats = app.world().resource::<EventBatch<Hit>>().stats();
    assert!(stats.sent > 2_000_000, "a storm: {}", stats.sent);
    assert_eq!(stats.sent, stats.delivered + stats.dropped);
}

/// An event type whose first events come after warm-up, with keys wide enough for the
/// wide (three-word) sort: the flush still allocates nothing (its buffers are sized at
/// registration, not on first use).
#[test]
fn a_first_event_after_warm_up_allocates_nothing() {
    let _turn = TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    use bevy::prelude::*;
    use cohort_events::{BatchWriter, BatchedEventsAppExt};
    use cohort_sim::{SimPlugin, SimSchedule, SimSystems, SimTick};

    #[derive(Debug, Clone, Copy)]
    struct Late;

    fn write_late(late: BatchWriter<Late>, tick: Res<SimTick>) {
        if tick.0 >= 80 {
            for index in 0..64u64 {
                // Keys and sources that differ in every bit: more than one word to sort.
                let wide = index.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ tick.0;
                late.write_from(wide, !wide, Late);
            }
        }
    }

    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        SimPlugin::default().fast_forward(1),
        ProfilerPlugin::default(),
    ))
    .add_batched_event_with::<Late>(EventBatchConfig::default().with_capacity(64))
    .add_systems(SimSchedule, write_late.in_set(SimSystems::Act));
    finish_plugins(&mut app);
    SteadyState::new(60, 60)
        .only(&["cohort_events::", "steady_state::"])
        .assert(&mut app);
    let stats = app.world().resource::<EventBatch<Late>>().stats();
    assert!(
        stats.sent >= 64 * 30,
        "the late writer wrote: {}",
        stats.sent
    );
    assert_eq!(stats.growths, 0);
}

/// A spike of events across a wide range of keys, after quiet ticks, re-splits the
/// staging parts: the load after it, spread over every part, finds room in each and
/// allocates nothing.
#[test]
fn the_load_after_a_spike_finds_room_in_every_part() {
    let _turn = TURN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    use bevy::app::{PluginGroup, TaskPoolPlugin};
    use bevy::prelude::*;
    use cohort_events::{BatchWriter, BatchedEventsAppExt};
    use cohort_sim::{
        ParIterSystems, SimPlugin, SimSchedule, SimSystems, SimTick, task_pool_options,
    };

    /// The tick of the spike: the last before the check.
    const SPIKE: u64 = 20;

    #[derive(Debug, Clone, Copy)]
    struct Blast;

    #[derive(Component)]
    struct Unit(u32);

    fn write_blasts(units: Query<&Unit>, blasts: BatchWriter<Blast>, tick: Res<SimTick>) {
        // Quiet (too few to re-split), the spike, then a quarter of the units.
        let every = match tick.0 {
            tick if tick < SPIKE => 100,
            SPIKE => 1,
            _ => 4,
        };
        units.par_iter().for_each(|unit| {
            if unit.0 % every == 0 {
                blasts.write(unit.0, Blast);
            }
        });
    }

    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins.set(TaskPoolPlugin {
            task_pool_options: task_pool_options(2),
        }),
        SimPlugin::default().fast_forward(1),
        ProfilerPlugin::default(),
    ))
    .add_batched_event_with::<Blast>(EventBatchConfig::default().with_capacity(1_000))
    .add_systems(
        SimSchedule,
        write_blasts.in_set(SimSystems::Act).in_set(ParIterSystems),
    );
    for id in 0..50_000 {
        app.world_mut().spawn(Unit(id));
    }
    finish_plugins(&mut app);
    // Up to the spike's tick, whatever the updates before the first tick: the first
    // ticks after it are measured.
    while app
        .world()
        .get_resource::<SimTick>()
        .is_none_or(|tick| tick.0 <= SPIKE)
    {
        app.update();
    }
    SteadyState::new(0, 40)
        .only(&["cohort_events::", "steady_state::"])
        .assert(&mut app);
    let stats = app.world().resource::<EventBatch<Blast>>().stats();
    assert!(stats.batch_max >= 50_000, "the spike: {}", stats.batch_max);
    assert!(stats.growths > 0, "the spike grew the buffers, counted");
    assert_eq!(stats.sent, stats.delivered + stats.dropped);
}
