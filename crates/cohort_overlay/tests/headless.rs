//! The overlay in a headless app (no window, no GPU): the plugin builds, gathers the
//! profiler's figures and the battle's events into its model without allocating in
//! steady state, and its UI draws into a bare egui context.

use std::hint::black_box;

use bevy::MinimalPlugins;
use bevy::app::{App, Update};
use bevy_egui::egui;
use cohort_alloc::CountingAllocator;
use cohort_battle::{BattlePlugin, load_scenario};
use cohort_overlay::ui::offscreen_pass;
use cohort_overlay::{OverlayConfig, OverlayPlugin, OverlayState, OverlayStats, draw_overlay};
use cohort_profiler::{ProfilerPlugin, SteadyState};
use cohort_sim::{SimPlugin, finish_plugins};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

/// A headless battle of `units` with the profiler and the overlay, finished.
fn battle_app(units: u64) -> App {
    let scenario = load_scenario("../../assets/scenarios/skirmish.ron".as_ref())
        .expect("the skirmish scenario loads")
        .scaled_to(units)
        .expect("the skirmish scales");
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        SimPlugin::default()
            .with_tick_rate(scenario.scenario.tick_rate)
            .with_seed(scenario.scenario.seed)
            .fast_forward(1),
        BattlePlugin::new(scenario),
        ProfilerPlugin::default().warmup_frames(30),
        OverlayPlugin::default(),
    ));
    for index in 0..50usize {
        app.add_systems(Update, move || {
            black_box(index);
        });
    }
    finish_plugins(&mut app);
    app
}

#[test]
fn the_plugin_builds_headless_and_fills_its_model() {
    let mut app = battle_app(400);
    assert!(
        !app.world()
            .contains_resource::<bevy_egui::EguiGlobalSettings>(),
        "no window, so bevy_egui is not added"
    );
    for _ in 0..40 {
        app.update();
    }
    let state = app.world().resource::<OverlayState>();
    let model = &state.model;
    assert_eq!(model.gathers, 40, "one gather per frame while visible");
    assert_eq!(
        model.frame.frame_ms.len(),
        39,
        "the profiler's first frame only starts its clock"
    );
    assert!(model.frame.stats.p50_ms > 0.0);
    assert!(model.frame.ticks_per_second > 0.0, "one tick per update");
    let rows = model.systems.rows();
    assert!(
        rows.len() > 60,
        "50 trivial systems, the battle's and Bevy's: {}",
        rows.len()
    );
    let grid = rows
        .iter()
        .find(|row| row.name == "sense::rebuild_spatial_grid")
        .expect("the battle's systems have rows, by short name");
    assert_eq!(grid.schedule, "SimSchedule");
    assert!(grid.mean_us > 0.0 && grid.p95_us >= grid.mean_us * 0.5);
    assert!(
        rows.iter()
            .any(|row| row.full_name.ends_with("gather_overlay")),
        "the overlay profiles itself"
    );
    let events = app
        .world()
        .resource::<OverlayStats>()
        .sections()
        .iter()
        .find(|section| section.title == "Events")
        .expect("the overlay reports batched events");
    let labels: Vec<&str> = events.rows.iter().map(|row| row.label.as_str()).collect();
    assert_eq!(labels, ["Damage", "EffectCast", "Death"]);
    assert!(
        events.rows[0].value.contains(" sent, "),
        "{}",
        events.rows[0].value
    );
}

#[test]
fn gathering_allocates_nothing_in_steady_state() {
    let mut app = battle_app(1_000);
    SteadyState::new(60, 120)
        .only(&["cohort_overlay::"])
        .assert(&mut app);
    let state = app.world().resource::<OverlayState>();
    assert!(state.model.gathers >= 180);
}

#[test]
fn hidden_it_gathers_nothing() {
    let mut app = battle_app(100);
    app.world_mut().resource_mut::<OverlayConfig>().visible = false;
    for _ in 0..5 {
        app.update();
    }
    assert_eq!(app.world().resource::<OverlayState>().model.gathers, 0);
}

#[test]
fn the_ui_draws_into_a_bare_egui_context() {
    let mut app = battle_app(400);
    for _ in 0..30 {
        app.update();
    }
    let stats = app.world().resource::<OverlayStats>().clone();
    let mut config = app.world().resource::<OverlayConfig>().clone();
    let mut state = app
        .world_mut()
        .remove_resource::<OverlayState>()
        .expect("the plugin inserts its state");
    let ctx = egui::Context::default();
    let mut shapes = 0;
    for _ in 0..3 {
        let output = offscreen_pass(&ctx, 1280.0, 800.0, |ctx| {
            draw_overlay(ctx, &mut state.model, &mut state.ui, &stats, &mut config);
        });
        shapes = output.shapes.len();
    }
    assert!(
        shapes > 100,
        "the window, its text and plots: {shapes} shapes"
    );
    let window = ctx
        .memory(|memory| memory.area_rect(egui::Id::new("cohort_overlay")))
        .expect("the overlay's window is laid out");
    assert!(
        window.width() > 500.0 && window.height() > 300.0,
        "{window:?}"
    );
    // The systems table was arranged for drawing: every system that ran, minus the
    // schedule runners, largest mean first.
    let table = &state.model.systems;
    assert!(table.visible_len() > 50);
    let first = table.visible_row(0).unwrap().mean_us;
    let last = table.visible_row(table.visible_len() - 1).unwrap().mean_us;
    assert!(first >= last);
}

#[test]
fn the_toggle_key_shows_and_hides_it() {
    use bevy::input::ButtonInput;
    use bevy::input::keyboard::KeyCode;

    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins,
        ProfilerPlugin::default(),
        OverlayPlugin::default().with_toggle_key(KeyCode::F9),
    ))
    .init_resource::<ButtonInput<KeyCode>>();
    finish_plugins(&mut app);
    fn press(app: &mut App, key: KeyCode) -> bool {
        let mut keys = app.world_mut().resource_mut::<ButtonInput<KeyCode>>();
        keys.clear();
        keys.release_all();
        keys.press(key);
        app.update();
        app.world().resource::<OverlayConfig>().visible
    }
    assert!(
        app.world().resource::<OverlayConfig>().visible,
        "open at start"
    );
    assert!(press(&mut app, KeyCode::F3), "F3 is not the key here");
    assert!(!press(&mut app, KeyCode::F9), "the configured key hides it");
    assert!(press(&mut app, KeyCode::F9), "and shows it again");
}
