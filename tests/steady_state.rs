//! The battle allocates nothing in steady state above Bevy's floor, checked with the
//! profiler's helper, and the profiler attributes the battle's work to its systems.

mod common;

use cohort_alloc::CountingAllocator;
use cohort_battle::Team;
use cohort_battle::headless::build_profiled_battle_app;
use cohort_profiler::{Profiler, ProfilerPlugin, SteadyState};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

/// The battle systems that call `par_iter`, once per run each; the others must allocate
/// nothing at all.
const PAR_ITER_SYSTEMS: &[&str] = &[
    "decide::choose_targets",
    "act::move_units",
    "act::attack_targets",
    "act::support_allies",
    "resolve::tick_effects",
    "resolve::recompute_stats",
];

/// Tables the battle's units live in: one per mix of components (units with a support
/// ability or an attack effect carry more).
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
    // Bevy's own systems may allocate on rare frames (its first message update after a
    // fixed step); this checks cohort's systems and the profiler's.
    app.update();
    let tables = unit_tables(&mut app);
    assert!((1..=8).contains(&tables), "{tables} tables");
    let check = SteadyState::new(60, 120)
        .allow_par_iter(1, tables)
        .par_iter_only_in(PAR_ITER_SYSTEMS);
    assert!(check.allowance_per_run(app.world().resource::<Profiler>()) <= 24);
    if let Err(cohort_profiler::SteadyStateError::Allocated(offenders)) = check.check(&mut app) {
        let ours: Vec<_> = offenders
            .iter()
            .filter(|offender| offender.name.starts_with("cohort"))
            .collect();
        assert!(ours.is_empty(), "{ours:#?}");
    }

    let profiler = app.world().resource::<Profiler>();
    let report = profiler.report();
    let battle_systems: Vec<_> = report
        .systems
        .iter()
        .filter(|row| row.schedule == "SimSchedule")
        .collect();
    assert!(battle_systems.len() >= 10, "{battle_systems:#?}");
    // 181 updates, one tick each; the first frame only starts the profiler's clock.
    assert!(
        battle_systems
            .iter()
            .all(|row| row.runs == 180 && row.phase.is_some()),
        "{battle_systems:#?}"
    );
    let grid = battle_systems
        .iter()
        .find(|row| row.name.ends_with("rebuild_spatial_grid"))
        .unwrap();
    assert_eq!(grid.phase.as_deref(), Some("Sense"));
    assert_eq!(grid.allocs_per_run, 0.0, "the grid reuses its buffers");
    assert!(report.allocations.counting);
    assert!(profiler.tick_stats().count >= 180);
}
