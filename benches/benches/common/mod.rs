//! What the profiler and Tracy benches share: apps of trivial systems, run
//! single-threaded, and counting their system runs.

use std::hint::black_box;

use bevy::app::{App, TaskPoolPlugin, Update};
use bevy::ecs::schedule::{Schedules, SingleThreadedExecutor};
use cohort_profiler::Profiler;
use cohort_sim::finish_plugins;

/// An app with `systems` trivial systems in `Update` plus `plugins`, finished, with every
/// schedule on the single-threaded executor (a per-run cost, neither hidden by
/// parallelism nor drowned in thread wake-ups), after 100 warm-up updates.
pub fn trivial_systems_app(systems: usize, configure: impl FnOnce(&mut App)) -> App {
    let mut app = App::new();
    app.add_plugins(TaskPoolPlugin::default());
    for index in 0..systems {
        app.add_systems(Update, move || {
            black_box(index);
        });
    }
    configure(&mut app);
    finish_plugins(&mut app);
    for (_, schedule) in app.world_mut().resource_mut::<Schedules>().iter_mut() {
        schedule.set_executor(SingleThreadedExecutor::default());
    }
    for _ in 0..100 {
        app.update();
    }
    app
}

/// System runs the profiler has counted so far.
pub fn profiled_runs(app: &App) -> u64 {
    let profiler = app.world().resource::<Profiler>();
    profiler
        .systems()
        .iter()
        .map(|system| system.total.runs)
        .sum()
}
