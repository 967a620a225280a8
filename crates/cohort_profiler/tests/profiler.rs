//! The profiler on real apps: attribution, timing, run-time changes, budgets, hitches and
//! the steady-state check.

use std::hint::black_box;
use std::time::Duration;

use bevy::MinimalPlugins;
use bevy::app::{App, Update};
use bevy::ecs::schedule::{IntoScheduleConfigs, ScheduleLabel};
use bevy::ecs::system::Local;
use bevy::ecs::world::World;
use cohort_alloc::CountingAllocator;
use cohort_profiler::{
    Budget, Budgets, Profiler, ProfilerPlugin, SteadyState, SteadyStateError, SystemProfile,
};
use cohort_sim::finish_plugins;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

fn app_with(profiler: ProfilerPlugin) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, profiler));
    app
}

fn started(mut app: App) -> App {
    finish_plugins(&mut app);
    app
}

fn system<'a>(profiler: &'a Profiler, suffix: &str) -> &'a SystemProfile {
    profiler
        .systems()
        .iter()
        .find(|system| system.identity().name.ends_with(suffix))
        .unwrap_or_else(|| panic!("no system named *{suffix}"))
}

fn allocate_three() {
    for value in 0..3u64 {
        black_box(Box::new(black_box(value)));
    }
}

fn clean(mut buffer: Local<Vec<u64>>) {
    buffer.clear();
    buffer.extend(0..16);
}

#[test]
fn a_system_allocating_k_times_is_credited_exactly_k_per_run() {
    let mut app = app_with(ProfilerPlugin::default().warmup_frames(5));
    app.add_systems(Update, (allocate_three, clean));
    let mut app = started(app);
    for _ in 0..20 {
        app.update();
    }
    let profiler = app.world().resource::<Profiler>();
    let three = system(profiler, "allocate_three");
    assert_eq!(
        three.total.runs, 19,
        "the first frame only starts the clock"
    );
    assert_eq!(three.total.allocations, 3 * 19);
    assert_eq!(three.total.bytes, 3 * 8 * 19);
    let clean = system(profiler, "::clean");
    assert_eq!(clean.total.runs, 19);
    assert_eq!(
        clean.total.allocations, 0,
        "its buffer grew in the first, unrecorded frame"
    );
    let report = profiler.report();
    let update = report
        .schedules
        .iter()
        .find(|schedule| schedule.name == "Update")
        .unwrap();
    assert_eq!((update.systems, update.runs), (2, 38));
    assert_eq!(update.allocs_per_frame, 3.0);
    let row = report
        .systems
        .iter()
        .find(|row| row.name.ends_with("allocate_three"))
        .unwrap();
    assert_eq!(
        (row.runs, row.allocs_per_run, row.bytes_per_run),
        (19, 3.0, 24.0)
    );
}

fn sleep_five_ms() {
    std::thread::sleep(Duration::from_millis(5));
}

#[test]
fn a_sleeping_system_is_timed_at_its_sleep() {
    let mut app = app_with(ProfilerPlugin::default());
    app.add_systems(Update, sleep_five_ms);
    let mut app = started(app);
    for _ in 0..6 {
        app.update();
    }
    let sleeper = system(app.world().resource::<Profiler>(), "sleep_five_ms");
    assert_eq!(sleeper.total.runs, 5);
    let mean = sleeper.total.mean_us();
    assert!((5_000.0..9_000.0).contains(&mean), "mean {mean} us");
    assert!(sleeper.quantile_us(0.95) >= 5_000.0);
}

fn late() {}

#[derive(ScheduleLabel, Debug, Clone, PartialEq, Eq, Hash)]
struct Inner;

fn run_inner(world: &mut World) {
    let _ = world.try_run_schedule(Inner);
}

fn inner_system() {
    black_box(Box::new(1u8));
}

#[test]
fn systems_added_at_run_time_and_new_schedules_are_picked_up() {
    let mut app = app_with(ProfilerPlugin::default());
    app.add_systems(Update, run_inner);
    let mut app = started(app);
    for _ in 0..3 {
        app.update();
    }
    app.add_systems(Update, late);
    app.add_systems(Inner, inner_system);
    for _ in 0..4 {
        app.update();
    }
    let profiler = app.world().resource::<Profiler>();
    assert_eq!(system(profiler, "::late").total.runs, 4);
    let inner = system(profiler, "inner_system");
    assert_eq!(inner.total.runs, 4);
    assert_eq!(inner.identity().schedule, "Inner");
    assert_eq!(inner.total.allocations, 4);
    let runner = system(profiler, "run_inner");
    assert!(runner.runs_schedules(), "it runs the Inner schedule");
    assert!(!inner.runs_schedules());
}

#[test]
fn switched_off_it_records_nothing() {
    let mut app = started(app_with(ProfilerPlugin::default().disabled()));
    app.add_systems(Update, allocate_three);
    for _ in 0..5 {
        app.update();
    }
    let profiler = app.world().resource::<Profiler>();
    assert!(!profiler.is_enabled());
    assert_eq!(profiler.totals().frames, 0);
    assert_eq!(system(profiler, "allocate_three").total.runs, 0);
    app.world_mut().resource_mut::<Profiler>().set_enabled(true);
    for _ in 0..3 {
        app.update();
    }
    let profiler = app.world().resource::<Profiler>();
    assert_eq!(system(profiler, "allocate_three").total.runs, 2);
}

#[test]
fn a_bad_budgets_file_gives_one_error_and_no_budgets() {
    let path = std::env::temp_dir().join(format!("cohort-budgets-{}.ron", std::process::id()));
    std::fs::write(&path, "(\n  frame: (ms: -3.0),\n)\n").unwrap();
    let error = Budgets::load(&path).unwrap_err().to_string();
    assert!(error.contains("cohort-budgets-"), "{error}");
    assert!(error.contains("frame.ms"), "{error}");
    assert!(error.contains("positive"), "{error}");
    std::fs::write(&path, "(phases: {\"Think\": (ms: 1.0)})").unwrap();
    let error = Budgets::load(&path).unwrap_err().to_string();
    assert!(
        error.contains("phases.Think") && error.contains("Sense"),
        "{error}"
    );
    std::fs::write(&path, "(frame: (ms: 1.0), systm: {})").unwrap();
    assert!(
        Budgets::load(&path)
            .unwrap_err()
            .to_string()
            .contains(":1:")
    );

    let mut app = started(app_with(ProfilerPlugin::default().budgets_file(&path)));
    app.update();
    assert!(
        app.world()
            .resource::<Profiler>()
            .budget_records()
            .is_empty()
    );
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn the_shipped_budgets_file_loads() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/budgets.ron");
    let budgets = Budgets::load(&path).unwrap();
    assert!(budgets.frame.is_some());
    assert!(!budgets.phases.is_empty());
}

#[test]
fn a_system_over_budget_is_counted_and_listed() {
    let mut budgets = Budgets::default();
    budgets.systems.insert(
        "sleep_five_ms".to_string(),
        Budget {
            ms: Some(1.0),
            allocations: None,
        },
    );
    budgets
        .systems
        .insert("no_such_system".to_string(), Budget::default());
    let mut app = app_with(ProfilerPlugin::default().budgets(budgets).warmup_frames(0));
    app.add_systems(Update, sleep_five_ms);
    let mut app = started(app);
    for _ in 0..4 {
        app.update();
    }
    let profiler = app.world().resource::<Profiler>();
    assert_eq!(profiler.budget_violations(), 3);
    let worst = profiler.worst_offenders();
    assert_eq!(worst.len(), 1);
    assert!(worst[0].worst_ratio >= 5.0);
    assert_eq!(worst[0].matched_systems, 1);
    let unmatched = profiler
        .budget_records()
        .iter()
        .find(|record| record.matched_systems == 0)
        .unwrap();
    assert_eq!(unmatched.violations, 0);
}

fn hitch_once(mut frame: Local<u32>) {
    *frame += 1;
    if *frame == 30 {
        std::thread::sleep(Duration::from_millis(40));
    }
}

/// An app whose 30th frame sleeps 40 ms, profiled over a window of `window` frames.
fn app_with_one_hitch(window: usize) -> App {
    let mut app = app_with(ProfilerPlugin::default().window(window));
    app.add_systems(Update, (hitch_once, late).chain());
    started(app)
}

#[test]
fn a_hitch_is_counted_and_frozen_with_its_systems() {
    let mut app = app_with_one_hitch(100);
    for _ in 0..40 {
        app.update();
    }
    let profiler = app.world().resource::<Profiler>();
    assert!(profiler.hitches() >= 1);
    let hitch = profiler.slowest_hitch().expect("the 40 ms frame");
    assert!(hitch.frame.nanos >= 40_000_000);
    let slowest = &profiler.systems()[hitch.systems[0].0];
    assert!(
        slowest.runs_schedules() || slowest.identity().name.ends_with("hitch_once"),
        "{:?}",
        slowest.identity()
    );
    assert!(hitch.systems.iter().any(|(index, totals)| {
        profiler.systems()[*index]
            .identity()
            .name
            .ends_with("hitch_once")
            && totals.nanos >= 40_000_000
    }));
    let stats = profiler.frame_stats();
    assert_eq!(stats.count, 39);
    assert!(stats.max_ms >= 40.0);
}

#[test]
fn the_slowest_hitch_is_forgotten_once_it_leaves_the_window() {
    let mut app = app_with_one_hitch(20);
    for _ in 0..33 {
        app.update();
    }
    let profiler = app.world().resource::<Profiler>();
    let hitch_frame = profiler
        .slowest_hitch()
        .expect("the 40 ms frame")
        .frame
        .index;
    for _ in 0..25 {
        app.update();
    }
    let profiler = app.world().resource::<Profiler>();
    assert!(profiler.hitches() >= 1, "the count stays");
    assert!(
        profiler
            .slowest_hitch()
            .is_none_or(|kept| kept.frame.index > hitch_frame),
        "frame {hitch_frame} left the 20-frame window: {:?}",
        profiler.slowest_hitch().map(|kept| kept.frame.index)
    );
}

#[test]
fn a_window_shorter_than_ten_frames_still_finds_hitches() {
    let mut app = app_with_one_hitch(5);
    for _ in 0..33 {
        app.update();
    }
    let profiler = app.world().resource::<Profiler>();
    assert!(profiler.hitches() >= 1);
    assert!(profiler.slowest_hitch().expect("found").frame.nanos >= 40_000_000);
}

#[test]
fn the_steady_state_check_names_allocating_systems() {
    let mut app = app_with(ProfilerPlugin::default());
    app.add_systems(Update, (allocate_three, clean));
    let mut app = started(app);
    // This file's systems only: Bevy's message update allocates on its first run, which
    // comes with the first fixed step, whenever the machine's speed puts it.
    let error = SteadyState::new(5, 10)
        .only(&["profiler::"])
        .check(&mut app)
        .unwrap_err();
    let SteadyStateError::Allocated(offenders) = &error else {
        panic!("{error}");
    };
    assert_eq!(offenders.len(), 1, "{error}");
    assert!(offenders[0].name.ends_with("allocate_three"));
    assert_eq!((offenders[0].runs, offenders[0].allocations), (10, 30));
    assert!(error.to_string().contains("allocate_three"));
}

#[test]
fn the_profiler_itself_allocates_nothing_in_steady_state() {
    let mut app = app_with(ProfilerPlugin::default().window(50));
    app.add_systems(Update, clean);
    let mut app = started(app);
    // Bevy's message update runs only on frames with a fixed step, and its first run
    // allocates; that is Bevy's, not the profiler's, so only ours must be clean.
    SteadyState::new(60, 120)
        .only(&["cohort_profiler::", "profiler::clean"])
        .assert(&mut app);
    let report = app.world().resource::<Profiler>().report();
    assert!(
        report
            .systems
            .iter()
            .any(|row| row.name.ends_with("roll_profiler"))
    );
    assert!(report.allocations.counting);
}

#[test]
fn without_the_plugin_the_check_says_what_to_add() {
    let mut app = App::new();
    assert_eq!(
        SteadyState::new(1, 1).check(&mut app),
        Err(SteadyStateError::NoProfiler)
    );
}

#[test]
fn systems_in_sim_phases_know_their_phase() {
    use cohort_sim::{SimAppExt, SimPlugin, SimSchedule, SimSystems};
    let mut app = app_with(ProfilerPlugin::default());
    app.add_plugins(SimPlugin::default().fast_forward(1))
        .add_systems(SimSchedule, late.in_set(SimSystems::Act));
    let mut app = started(app);
    app.run_sim_ticks(5);
    let profiler = app.world().resource::<Profiler>();
    let late = system(profiler, "::late");
    assert_eq!(late.identity().phase, Some("Act"));
    assert_eq!(late.identity().schedule, "SimSchedule");
    assert!(profiler.tick_stats().count >= 4);
}

#[test]
fn ticks_run_while_switched_off_are_not_kept() {
    use cohort_sim::{SimAppExt, SimPlugin};
    let mut app = app_with(ProfilerPlugin::default().disabled());
    app.add_plugins(SimPlugin::default().fast_forward(1));
    let mut app = started(app);
    app.run_sim_ticks(20);
    app.world_mut().resource_mut::<Profiler>().set_enabled(true);
    app.run_sim_ticks(5);
    let profiler = app.world().resource::<Profiler>();
    let (kept, counted) = (profiler.tick_stats().count, profiler.totals().ticks);
    assert!(kept <= 5, "only ticks while on: {kept}");
    assert_eq!(kept as u64, counted, "kept and counted agree");
    assert_eq!(profiler.totals().ticks_not_timed, 0);
}

#[test]
fn the_window_and_the_run_export_to_json_and_csv() {
    use cohort_profiler::ExportScope;
    let mut app = app_with(ProfilerPlugin::default().window(10).warmup_frames(2));
    app.add_systems(Update, allocate_three);
    let mut app = started(app);
    for _ in 0..26 {
        app.update();
    }
    let profiler = app.world().resource::<Profiler>();
    let window = profiler.export(ExportScope::Window);
    assert_eq!(window.frames.len(), 10);
    assert_eq!(window.frames.last().unwrap().index, 24);
    let rows = window
        .window_systems
        .expect("window exports carry per-system rows");
    let three = rows
        .iter()
        .find(|row| row.name.ends_with("allocate_three"))
        .unwrap();
    assert_eq!(three.allocs_per_frame, 3.0);
    let run = profiler.export(ExportScope::Run);
    assert_eq!(run.frames.len(), 25);
    assert!(run.window_systems.is_none());

    let dir = std::env::temp_dir().join(format!("cohort-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    profiler
        .write_json(ExportScope::Run, &dir.join("run.json"))
        .unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
    assert_eq!(json["frames"].as_array().unwrap().len(), 25);
    assert!(json["report"]["systems"].as_array().unwrap().len() > 3);
    profiler
        .write_csv(
            ExportScope::Window,
            &dir.join("systems.csv"),
            &dir.join("frames.csv"),
        )
        .unwrap();
    let frames = std::fs::read_to_string(dir.join("frames.csv")).unwrap();
    assert_eq!(frames.lines().count(), 11);
    std::fs::remove_dir_all(&dir).unwrap();
}
