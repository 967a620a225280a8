//! After warm-up, selecting, sensing, scoring, caching and explaining allocate nothing
//! above Bevy's floor, with a decision budget or a time budget that defers agents every
//! tick.

mod common;

use bevy::prelude::*;
use cohort_ai::{AiConfig, AiInspector, AiStats};
use cohort_alloc::CountingAllocator;
use cohort_profiler::{Profiler, ProfilerPlugin, SteadyState};
use cohort_sim::finish_plugins;
use common::needs_app;

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

// One test, the budgets one after the other: Bevy's task pools are shared by every app
// in the process, and another test's tasks run on a thread would count as this one's.
#[test]
fn deciding_allocates_nothing_above_the_floor_after_warm_up() {
    assert_steady(AiConfig {
        max_decisions_per_tick: Some(4_000),
        parallel_from: 256,
        ..AiConfig::default()
    });
    // 100 us for 10,000 agents due a tick: the budget defers most, and its clock may stop
    // the pass.
    assert_steady(AiConfig {
        max_micros_per_tick: Some(100.0),
        parallel_from: 256,
        ..AiConfig::default()
    });
}

/// 20,000 needs agents on two threads under `config`, one of them watched: after warm-up
/// no AI system allocates above the floor, every one ran each tick, and agents waited.
fn assert_steady(config: AiConfig) {
    let (mut app, _) = needs_app(2, 20_000, config);
    app.add_plugins(ProfilerPlugin::default());
    finish_plugins(&mut app);
    let watched = app
        .world_mut()
        .query_filtered::<Entity, With<cohort_ai::AiAgent>>()
        .iter(app.world())
        .nth(7)
        .unwrap();
    app.world_mut().resource_mut::<AiInspector>().watched = Some(watched);
    SteadyState::new(60, 120)
        .only(&["cohort_ai::"])
        .assert(&mut app);
    let profiler = app.world().resource::<Profiler>();
    for name in [
        "cohort_ai::systems::select_due_agents",
        "cohort_ai::systems::evaluate_decisions",
        "cohort_ai::needs::sense_needs",
        "cohort_ai::needs::satisfy_needs",
    ] {
        let runs = profiler
            .runs_of(name)
            .unwrap_or_else(|| panic!("{name} is profiled"));
        assert!(runs >= 170, "{name} ran once a tick: {runs}");
    }
    let summary = app.world().resource::<AiStats>().summary();
    assert!(
        summary.deferred > 0,
        "the budget deferred agents: {summary:?}"
    );
    assert!(
        app.world()
            .resource::<AiInspector>()
            .explanation()
            .is_some(),
        "the watched agent was explained"
    );
}
