//! The battle allocates nothing in steady state above Bevy's floor, checked with the
//! profiler's helper, and the profiler attributes the battle's work to its systems.

mod common;

use cohort_alloc::CountingAllocator;
use cohort_battle::Team;
use cohort_battle::headless::build_profiled_battle_app;
use cohort_profiler::{Profiler, ProfilerPlugin, SteadyState};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

const WARMUP: u32 = 200;
const MEASURED: u32 = 120;

/// Tables the battle's units live in (archetypes with storage of their own).
fn unit_tables(app: &mut bevy::app::App) -> u32 {
    let world = app.world_mut();
    let team = world.register_component::<Team>();
    world
        .archetypes()
        .iter()
        .filter(|archetype| !archetype.is_empty() && archetype.contains(team))
        .map(|archetype| archetype.table_id().as_usize())
        .collect::<std::collections::BTreeSet<_>>()
        .len() as u32
}

#[test]
fn a_battle_allocates_nothing_above_the_floor_after_warm_up() {
    let scenario = common::repo_scenario("skirmish").scaled_to(2_000).unwrap();
    let mut app = build_profiled_battle_app(scenario, Some(2), ProfilerPlugin::default());
    app.update();
    let tables = unit_tables(&mut app);
    // The battle's `par_iter` systems declare themselves (`ParIterSystems`), so one call's
    // allocations per run are floor; on one table that is all they allocate.
    assert_eq!(tables, 1, "one call's floor covers one table");
    // Warm-up runs into the fighting (the most hits and deaths per tick come later); deaths
    // no longer grow anything (see `presize_for_deaths`), so any allocation here is ours.
    // Bevy's own systems may allocate on rare frames (its first message update after a
    // fixed step): only cohort's systems and the profiler's are checked.
    SteadyState::new(WARMUP, MEASURED)
        .only(&["cohort_"])
        .assert(&mut app);

    let profiler = app.world().resource::<Profiler>();
    let report = profiler.report();
    let battle_systems: Vec<_> = report
        .systems
        .iter()
        .filter(|row| row.schedule == "SimSchedule" && row.name.starts_with("cohort_battle::"))
        .collect();
    assert!(battle_systems.len() >= 10, "{battle_systems:#?}");
    // The event flushes run between phases, once a tick: damage, casts, deaths.
    let flushes: Vec<_> = report
        .systems
        .iter()
        .filter(|row| row.name.starts_with("cohort_events::flush::flush_events"))
        .collect();
    assert_eq!(flushes.len(), 3, "{flushes:#?}");
    // The order queues merge, advance and reclaim once a tick.
    let queues: Vec<_> = report
        .systems
        .iter()
        .filter(|row| row.name.starts_with("cohort_actions::systems::"))
        .collect();
    assert_eq!(queues.len(), 3, "{queues:#?}");
    assert!(
        queues
            .iter()
            .all(|row| row.runs == u64::from(WARMUP + MEASURED))
    );
    assert!(
        flushes
            .iter()
            .all(|row| row.runs == u64::from(WARMUP + MEASURED))
    );
    // One update, the warm-up and the measured ones, a tick each; the first frame only
    // starts the profiler's clock.
    let runs = u64::from(WARMUP + MEASURED);
    assert!(
        battle_systems
            .iter()
            .all(|row| row.runs == runs && row.phase.is_some()),
        "{battle_systems:#?}"
    );
    let grid = battle_systems
        .iter()
        .find(|row| row.name.ends_with("rebuild_spatial_grid"))
        .unwrap();
    assert_eq!(grid.phase.as_deref(), Some("Sense"));
    assert_eq!(grid.allocs_per_run, 0.0, "the grid reuses its buffers");
    let sensing = battle_systems
        .iter()
        .find(|row| row.name.ends_with("sense_battle"))
        .unwrap();
    assert_eq!(sensing.phase.as_deref(), Some("Sense"));
    assert!(sensing.allocs_per_run > 0.0, "par_iter's tasks");
    assert_eq!(sensing.above_floor_per_run, 0.0, "all of them floor");
    // The AI picks, scores and bridges every tick, allocating nothing of its own.
    let ai: Vec<_> = report
        .systems
        .iter()
        .filter(|row| row.name.starts_with("cohort_ai::"))
        .collect();
    assert_eq!(ai.len(), 3, "{ai:#?}");
    assert!(
        ai.iter()
            .all(|row| row.runs == runs && row.above_floor_per_run == 0.0),
        "{ai:#?}"
    );
    assert!(report.allocations.counting);
    assert!(profiler.tick_stats().count >= 300);
}
