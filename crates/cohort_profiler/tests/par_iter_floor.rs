//! `par_iter`'s own allocations: measured at start-up, counted as floor for systems that
//! declare them (`ParIterSystems`), and allowed by `SteadyState::allow_par_iter`.
//!
//! A process of its own: Bevy's task pools are global, and these tests need two compute
//! threads (with one, `par_iter` runs serially and allocates nothing). The tests take
//! turns: a thread waiting on its `par_iter` may run another app's tasks, and what those
//! allocate would count in the start-up measurement.

use std::hint::black_box;
use std::sync::{Mutex, PoisonError};

use bevy::MinimalPlugins;
use bevy::app::{App, PluginGroup, TaskPoolOptions, TaskPoolPlugin, Update};
use bevy::ecs::component::Component;
use bevy::ecs::schedule::IntoScheduleConfigs;
use bevy::ecs::system::Query;
use cohort_alloc::CountingAllocator;
use cohort_profiler::{Profiler, ProfilerPlugin, SteadyState, SteadyStateError};
use cohort_sim::{ParIterSystems, finish_plugins};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[derive(Component)]
struct Value(u64);

fn double(mut values: Query<&mut Value>) {
    values
        .par_iter_mut()
        .for_each(|mut value| value.0 = value.0.wrapping_mul(2));
}

/// Twenty allocations a run on top of the `par_iter`: well above the few by which one
/// call's cost varies.
fn double_and_allocate(values: Query<&mut Value>) {
    double(values);
    for value in 0..20u32 {
        black_box(Box::new(value));
    }
}

fn app(configure: impl FnOnce(&mut App)) -> App {
    let mut options = TaskPoolOptions::with_num_threads(4);
    options.compute.min_threads = 2;
    options.compute.max_threads = 2;
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins.set(TaskPoolPlugin {
            task_pool_options: options,
        }),
        ProfilerPlugin::default().warmup_frames(10),
    ));
    app.world_mut().spawn_batch((0..8_192).map(Value));
    configure(&mut app);
    finish_plugins(&mut app);
    app
}

fn row(app: &App, suffix: &str) -> cohort_profiler::SystemRow {
    app.world()
        .resource::<Profiler>()
        .report()
        .systems
        .into_iter()
        .find(|row| row.name.ends_with(suffix))
        .unwrap()
}

#[test]
fn a_declared_par_iter_allocates_only_floor() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let mut app = app(|app| {
        app.add_systems(Update, double.in_set(ParIterSystems));
    });
    SteadyState::new(20, 40)
        .only(&["par_iter_floor::", "cohort_"])
        .assert(&mut app);
    let floor = app.world().resource::<Profiler>().par_iter_floor();
    assert_eq!(floor.threads, 2);
    assert!(floor.max > 0 && floor.mean > 0.0, "{floor:?}");
    let double = row(&app, "::double");
    assert!(double.allocs_per_run > 0.0);
    assert_eq!(double.above_floor_per_run, 0.0);
}

#[test]
fn an_undeclared_par_iter_needs_an_allowance() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let mut app = app(|app| {
        app.add_systems(Update, double);
    });
    let error = SteadyState::new(20, 40)
        .only(&["par_iter_floor::"])
        .check(&mut app)
        .unwrap_err();
    assert!(matches!(&error, SteadyStateError::Allocated(offenders)
        if offenders.len() == 1 && offenders[0].name.ends_with("::double")));
    SteadyState::new(0, 40)
        .only(&["par_iter_floor::"])
        .allow_par_iter(1, 1)
        .assert(&mut app);
}

#[test]
fn allocations_beyond_the_par_iter_are_above_the_floor() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    let mut app = app(|app| {
        app.add_systems(Update, double_and_allocate.in_set(ParIterSystems));
    });
    let error = SteadyState::new(20, 40)
        .only(&["par_iter_floor::"])
        .check(&mut app)
        .unwrap_err();
    let SteadyStateError::Allocated(offenders) = &error else {
        panic!("{error}");
    };
    assert_eq!(offenders[0].runs, 40);
    // The floor of a declared system is up to one call's most, so a few of the twenty
    // may pass for the par_iter's.
    assert!(offenders[0].allocations >= 40 * 12, "{error}");
    assert!(row(&app, "double_and_allocate").above_floor_per_run >= 12.0);
}
