//! What cohort's Tracy output costs: the profiler's zone per system run, and per frame the
//! frame mark, the tick marks and four plots. Two apps, each with Tracy output switched on
//! and off at run time (`Profiler::set_tracy_enabled`) in the same run: 200 trivial
//! systems (per system run), and no systems of its own (per frame). Every schedule runs
//! on the single-threaded executor, as in the profiler bench.
//!
//! A Tracy client either queues everything in memory until a viewer connects, or streams
//! it to one. Without `COHORT_TRACY_RECEIVER` nothing connects; with it set, the
//! workspace's receiver (`tracy_probe`) connects before the first app starts and drains
//! the stream on a thread of its own, as a viewer would:
//!
//! ```text
//! cargo bench -p cohort_benches --bench tracy --features tracy
//! COHORT_TRACY_RECEIVER=1 cargo bench -p cohort_benches --bench tracy --features tracy
//! ```

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

mod common;

use std::time::Duration;

use bevy::app::App;
use cohort_alloc::CountingAllocator;
use cohort_profiler::ProfilerPlugin;
use criterion::{Criterion, criterion_group, criterion_main};
use tracy_probe::{CaptureOptions, capture};

use crate::common::{profiled_runs, trivial_systems_app};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

fn app(systems: usize, tracy: bool) -> App {
    trivial_systems_app(systems, |app| {
        let mut config = ProfilerPlugin::default();
        config.config.tracy = tracy;
        app.add_plugins(config);
    })
}

/// System runs in one update of an app with `systems` systems of its own.
fn runs_per_update(systems: usize) -> u64 {
    let mut app = app(systems, false);
    let before = profiled_runs(&app);
    app.update();
    profiled_runs(&app) - before
}

fn tracy_cost(c: &mut Criterion) {
    let connected = std::env::var_os("COHORT_TRACY_RECEIVER").is_some();
    if connected {
        // Runs for the whole bench; the process's exit ends it.
        std::thread::spawn(|| {
            let options = CaptureOptions {
                time_limit: Duration::from_secs(24 * 3600),
                ..CaptureOptions::default()
            };
            if let Err(error) = capture(&options) {
                eprintln!("receiver: {error}");
            }
        });
        // Let it connect before any app sends anything.
        std::thread::sleep(Duration::from_secs(1));
    }
    let receiver = if connected {
        "receiver_connected"
    } else {
        "no_receiver"
    };
    for systems in [0, 200] {
        println!(
            "{systems} systems: {} system runs per update",
            runs_per_update(systems)
        );
        let mut group = c.benchmark_group(format!("tracy_{receiver}_{systems}_systems"));
        // Without a receiver the client keeps every zone in memory: short runs.
        group
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3))
            .sample_size(30);
        for (name, tracy) in [("tracy_off", false), ("tracy_on", true)] {
            let mut app = app(systems, tracy);
            group.bench_function(name, |b| b.iter(|| app.update()));
        }
        group.finish();
    }
}

criterion_group!(benches, tracy_cost);
criterion_main!(benches);
