//! What the overlay costs per frame with 200 systems: building its UI (one egui pass,
//! `Context::run` around `draw_overlay`, the work done on the CPU every frame the overlay
//! is open), the same plus egui's tessellation into meshes, and gathering the profiler's
//! figures into the model. The model is filled from a real profiler that measured 300
//! frames of an app with 200 trivial systems; the UI is drawn into a bare
//! `egui::Context`, without a window or a GPU.
//!
//! ```text
//! cargo bench -p cohort_benches --bench overlay
//! ```

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

mod common;

use std::hint::black_box;
use std::time::Duration;

use cohort_alloc::CountingAllocator;
use cohort_overlay::bevy_egui::egui;
use cohort_overlay::ui::offscreen_pass;
use cohort_overlay::{
    GatherOptions, OverlayConfig, OverlayPlugin, OverlayState, OverlayStats, draw_overlay,
};
use cohort_profiler::{Profiler, ProfilerPlugin};
use criterion::{Criterion, criterion_group, criterion_main};

use crate::common::{profiled_runs, trivial_systems_app};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

const SYSTEMS: usize = 200;

fn overlay_cost(c: &mut Criterion) {
    let mut app = trivial_systems_app(SYSTEMS, |app| {
        app.add_plugins((ProfilerPlugin::default(), OverlayPlugin::default()));
    });
    for _ in 0..300 {
        app.update();
    }
    let stats = app.world().resource::<OverlayStats>().clone();
    let mut config = app.world().resource::<OverlayConfig>().clone();
    let mut state = app
        .world_mut()
        .remove_resource::<OverlayState>()
        .expect("the overlay's state");
    let ctx = egui::Context::default();
    for _ in 0..20 {
        let _ = offscreen_pass(&ctx, 1280.0, 800.0, |ctx| {
            draw_overlay(ctx, &mut state.model, &mut state.ui, &stats, &mut config);
        });
    }
    println!(
        "overlay: {} system runs profiled; {} systems in the table ({} shown after the filter), {} frames in the graphs",
        profiled_runs(&app),
        state.model.systems.rows().len(),
        state.model.systems.visible_len(),
        state.model.frame.frame_ms.len()
    );
    let mut group = c.benchmark_group("overlay_200_systems");
    group
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(6));
    group.bench_function("build_ui", |b| {
        b.iter(|| {
            let output = offscreen_pass(&ctx, 1280.0, 800.0, |ctx| {
                draw_overlay(ctx, &mut state.model, &mut state.ui, &stats, &mut config);
            });
            black_box(output.shapes.len())
        });
    });
    group.bench_function("build_ui_and_tessellate", |b| {
        b.iter(|| {
            let output = offscreen_pass(&ctx, 1280.0, 800.0, |ctx| {
                draw_overlay(ctx, &mut state.model, &mut state.ui, &stats, &mut config);
            });
            black_box(ctx.tessellate(output.shapes, output.pixels_per_point).len())
        });
    });
    let profiler = app.world().resource::<Profiler>();
    let mut model = state.model.clone();
    group.bench_function("gather_with_table", |b| {
        b.iter(|| model.gather(profiler, GatherOptions::default()));
    });
    group.bench_function("gather_without_table", |b| {
        b.iter(|| {
            model.gather(
                profiler,
                GatherOptions {
                    refresh_table: false,
                    ..GatherOptions::default()
                },
            );
        });
    });
    group.finish();
}

criterion_group!(benches, overlay_cost);
criterion_main!(benches);
