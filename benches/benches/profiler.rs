//! What the profiler costs per system run: one `App::update` of an app with 200 trivial
//! systems in `Update`, without the profiler, with it, and with it switched off at run
//! time, all in one run. Every schedule runs on the single-threaded executor, so the
//! figure is a per-run cost, neither hidden by parallelism nor drowned in thread wake-ups. Built with `--features bevy_trace`, the same app also runs with Bevy's
//! `trace` spans and a no-op tracing subscriber, the cost Bevy's own per-system spans add.
//!
//! Built with `--features bevy_tracy`, it also runs the app with Bevy's spans going to
//! Tracy through tracing-tracy, with no viewer connected (the client queues everything in
//! memory, so that mode runs briefly).
//!
//! ```text
//! cargo bench -p cohort_benches --bench profiler --features bevy_trace
//! cargo bench -p cohort_benches --bench profiler --features bevy_tracy
//! ```
//!
//! Per-run overhead = (time with − time without) / runs per update (200 systems plus the
//! dozen Bevy and profiler systems of every frame).

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

mod common;

use std::time::Duration;

use bevy::app::App;
use cohort_alloc::CountingAllocator;
use cohort_profiler::{Profiler, ProfilerPlugin};
use criterion::{Criterion, criterion_group, criterion_main};

use crate::common::{profiled_runs, trivial_systems_app};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

const SYSTEMS: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Without,
    Profiled,
    SwitchedOff,
}

fn app(mode: Mode) -> App {
    trivial_systems_app(SYSTEMS, |app| match mode {
        Mode::Without => {}
        Mode::Profiled => {
            app.add_plugins(ProfilerPlugin::default());
        }
        Mode::SwitchedOff => {
            app.add_plugins(ProfilerPlugin::default().disabled());
        }
    })
}

/// Runs per update (the 200 systems and every other system the frame runs), and the
/// profiler's own per-frame work in microseconds (its roll-over and wrapping systems).
fn runs_per_update() -> (u64, f64) {
    let mut app = app(Mode::Profiled);
    let before: u64 = profiled_runs(&app);
    app.update();
    let runs_per_update = profiled_runs(&app) - before;
    for _ in 0..1_000 {
        app.update();
    }
    let own_micros = app
        .world()
        .resource::<Profiler>()
        .systems()
        .iter()
        .filter(|system| system.identity().name.starts_with("cohort_profiler"))
        .map(|system| system.total.mean_us())
        .sum();
    (runs_per_update, own_micros)
}

fn profiler_overhead(c: &mut Criterion) {
    let (runs, own_micros) = runs_per_update();
    println!(
        "system runs per update with the profiler: {runs}; its own per-frame systems: {own_micros:.2} us"
    );
    let mut group = c.benchmark_group("update_200_systems");
    group.measurement_time(Duration::from_secs(8));
    for (name, mode) in [
        ("without_profiler", Mode::Without),
        ("profiler_on", Mode::Profiled),
        ("profiler_switched_off", Mode::SwitchedOff),
    ] {
        let mut app = app(mode);
        group.bench_function(name, |b| b.iter(|| app.update()));
    }
    #[cfg(feature = "bevy_trace")]
    {
        let dispatch = tracing::Dispatch::new(noop::NoopSubscriber);
        tracing::dispatcher::with_default(&dispatch, || {
            let mut app = app(Mode::Without);
            group.bench_function("bevy_trace_noop_subscriber", |b| b.iter(|| app.update()));
        });
    }
    group.finish();
    #[cfg(feature = "bevy_tracy")]
    {
        use tracing_subscriber::layer::SubscriberExt;
        let mut group = c.benchmark_group("update_200_systems");
        group
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(1))
            .sample_size(10);
        let subscriber = tracing_subscriber::registry().with(tracing_tracy::TracyLayer::default());
        let dispatch = tracing::Dispatch::new(subscriber);
        tracing::dispatcher::with_default(&dispatch, || {
            let mut app = app(Mode::Without);
            group.bench_function("bevy_trace_tracing_tracy", |b| b.iter(|| app.update()));
        });
        group.finish();
    }
}

/// A subscriber that enables every span and records nothing: the cost of Bevy's `trace`
/// spans themselves, with no backend behind them.
#[cfg(feature = "bevy_trace")]
mod noop {
    use std::sync::atomic::{AtomicU64, Ordering};

    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    pub struct NoopSubscriber;

    static NEXT_ID: AtomicU64 = AtomicU64::new(1);

    impl Subscriber for NoopSubscriber {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(NEXT_ID.fetch_add(1, Ordering::Relaxed))
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, _: &Event<'_>) {}
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }
}

criterion_group!(benches, profiler_overhead);
criterion_main!(benches);
