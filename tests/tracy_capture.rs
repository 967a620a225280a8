//! With the `tracy` feature: a short headless battle, captured by the workspace's own
//! Tracy receiver (`tools/tracy_probe`), carries the frame marks, tick marks, zones and
//! plots cohort sends. Run by the README's test command:
//! `cargo test --features tracy --test tracy_capture`.
#![cfg(feature = "tracy")]

mod common;

use std::time::Duration;

use cohort_alloc::CountingAllocator;
use cohort_battle::headless::build_profiled_battle_app;
use cohort_profiler::ProfilerPlugin;
use cohort_sim::SimTick;
use tracy_probe::{CaptureOptions, Ended, capture};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

const FRAMES: u64 = 120;

#[test]
fn a_headless_battle_reaches_a_tracy_capture() {
    // The receiver connects while the app starts; the client buffers until it does.
    let receiver = std::thread::spawn(|| {
        capture(&CaptureOptions {
            time_limit: Duration::from_secs(120),
            frame_limit: Some(FRAMES),
            settle: Duration::from_millis(500),
            ..CaptureOptions::default()
        })
    });
    let scenario = common::repo_scenario("skirmish").scaled_to(1_000).unwrap();
    let mut app = build_profiled_battle_app(scenario, Some(2), ProfilerPlugin::default());
    app.finish();
    app.cleanup();
    for _ in 0..FRAMES {
        app.update();
    }
    let ticks = app.world().resource::<SimTick>().get();
    let summary = receiver
        .join()
        .expect("the receiver thread")
        .unwrap_or_else(|error| panic!("capture failed: {error}"));
    println!("{summary}");

    // Tracy's client listens on 8086 from the process's start; another program there
    // would push it to the next free port and this capture would be of that program.
    assert!(
        summary.program.starts_with("tracy_capture"),
        "captured {:?}, not this test: is another Tracy client on port 8086?",
        summary.program
    );
    assert_eq!(summary.ended, Ended::FrameLimit);
    assert_eq!(summary.frames, FRAMES, "one frame mark per update");
    assert_eq!(summary.frame_set("sim tick"), ticks, "one mark per tick");
    assert!(
        ticks >= FRAMES - 1,
        "the battle ticked once a frame: {ticks}"
    );
    assert_eq!(summary.zones_open, 0);

    // A zone per run: cohort's battle systems once a tick, Bevy's own systems and the
    // profiler's once a frame.
    for (system, runs) in [
        ("cohort_battle::systems::sense::rebuild_spatial_grid", ticks),
        ("cohort_battle::systems::act::attack_targets", ticks),
        ("bevy_time::time_system", FRAMES),
        ("cohort_profiler::profiler::roll_profiler", FRAMES),
    ] {
        let zone = summary
            .zone(system)
            .unwrap_or_else(|| panic!("no zone for {system}"));
        assert_eq!(zone.count, runs, "{system}");
        assert!(zone.mean_ns > 0.0, "{system} has a time");
    }
    // The plots, once a frame after the first (the first frame only starts the clock).
    for plot in [
        "allocations per frame",
        "allocations by systems",
        "live heap bytes",
        "simulation ticks per frame",
    ] {
        let found = summary
            .plot(plot)
            .unwrap_or_else(|| panic!("no plot {plot}"));
        assert_eq!(found.points, FRAMES - 1, "{plot}");
    }
    // The events' counters: every flush, once a tick; the armies meet within 120 ticks.
    for event in ["Damage", "EffectCast", "Death"] {
        let plot = format!("events sent: {event}");
        let found = summary
            .plot(&plot)
            .unwrap_or_else(|| panic!("no plot {plot}"));
        assert_eq!(found.points, ticks, "{plot}");
    }
    assert!(summary.plot("events sent: Damage").unwrap().max > 0.0);
    assert!(summary.plot("live heap bytes").unwrap().min > 0.0);
    assert!(summary.plot("allocations per frame").unwrap().max > 0.0);
    assert_eq!(summary.plot("simulation ticks per frame").unwrap().max, 1.0);
}
