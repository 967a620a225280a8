//! One battle tick of the reference skirmish at 1k, 10k and 100k units, headless, on two
//! compute threads.
//!
//! Each battle is spawned and run until the armies are fighting (a quarter as many attacks
//! as units) before any tick is timed; once a quarter of the units have died the battle is
//! set up again, outside the timing. Besides criterion's estimates the bench prints the
//! p50/p95/p99 of every timed tick, the figure the project's targets are stated in.
//!
//! ```text
//! cargo bench -p cohort_benches --bench battle
//! ```

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

use std::path::Path;
use std::time::{Duration, Instant};

use bevy::app::App;
use cohort_battle::headless::{TickTimes, build_battle_app};
use cohort_battle::{BattleLedger, BattleStatus, LoadedScenario, load_scenario};
use cohort_sim::SimAppExt;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

/// Compute threads: the machine's two cores.
const THREADS: usize = 2;

fn skirmish(units: u64) -> LoadedScenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/scenarios/skirmish.ron");
    let scenario = load_scenario(&path).unwrap_or_else(|error| panic!("{error}"));
    let mut scenario = scenario.scaled_to(units).expect("unit count in range");
    // The bench decides when a battle is used up; the scenario's limit must not end it.
    scenario.scenario.tick_limit = u64::MAX / 2;
    scenario
}

/// A battle of `units`, spawned and run until the armies are fighting.
fn engaged_battle(units: u64) -> App {
    let mut app = build_battle_app(skirmish(units), Some(THREADS));
    let started = Instant::now();
    while app.world().resource::<BattleLedger>().attacks < units / 4 {
        assert_eq!(
            app.run_sim_ticks(1),
            1,
            "the battle ended before the armies met"
        );
    }
    eprintln!(
        "battle_tick/{units}: engaged after {} ticks in {:.1} s",
        app.world().resource::<cohort_sim::SimTick>().get(),
        started.elapsed().as_secs_f64()
    );
    app
}

fn battle_tick(c: &mut Criterion) {
    let mut group = c.benchmark_group("battle_tick");
    for units in [1_000u64, 10_000, 100_000] {
        if units == 100_000 {
            group
                .sample_size(20)
                .measurement_time(Duration::from_secs(20));
        } else {
            group
                .sample_size(50)
                .measurement_time(Duration::from_secs(10));
        }
        // Built before timing starts: a 100k battle takes seconds to reach the fighting,
        // which would otherwise distort criterion's warm-up estimate.
        let mut app = engaged_battle(units);
        let mut ticks_ms: Vec<f64> = Vec::new();
        group.bench_function(BenchmarkId::from_parameter(units), |b| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    if app.world().resource::<BattleStatus>().total_alive() < units * 3 / 4 {
                        app = engaged_battle(units);
                    }
                    let start = Instant::now();
                    app.update();
                    let elapsed = start.elapsed();
                    total += elapsed;
                    ticks_ms.push(elapsed.as_secs_f64() * 1000.0);
                }
                total
            });
        });
        if ticks_ms.is_empty() {
            continue;
        }
        let times = TickTimes::from_millis(&mut ticks_ms);
        eprintln!(
            "battle_tick/{units}: {} ticks timed, p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
            ticks_ms.len(),
            times.p50,
            times.p95,
            times.p99,
            times.max,
        );
    }
    group.finish();
}

criterion_group!(benches, battle_tick);
criterion_main!(benches);
