//! A windowed 2D battle of the reference units with the overlay open: one colour per
//! team (darker as units lose health), health bars over wounded units once zoomed in,
//! camera pan and zoom, click a unit to inspect it.
//!
//! ```text
//! cargo run --release --example battle --features overlay -- --units 10000
//! cargo run --release --example battle --features overlay -- --units 10000 --screenshot docs/battle-overlay.png --frames 300
//! ```
//!
//! Keys: F3 shows and hides the overlay; WASD or the arrows pan, the wheel or Q/E zoom,
//! a right- or middle-button drag pans; H shows and hides the health bars; a left click
//! selects the nearest unit.

use std::path::PathBuf;
use std::process::ExitCode;

use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit};
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, save_to_disk};
use bevy::window::{PresentMode, PrimaryWindow, WindowResolution};
use cohort::cohort_actions::{ActionPool, ActionQueue};
use cohort::cohort_ai::{AiAgent, AiInspector, AiSchema, Decision, DecisionMakers, DecisionScores};
use cohort::cohort_alloc::CountingAllocator;
use cohort::cohort_overlay::bevy_egui::input::EguiWantsInput;
use cohort::cohort_overlay::{OverlayPlugin, OverlayStats, StatSection};
use cohort::cohort_profiler::ProfilerPlugin;
use cohort::cohort_sim::{SimPlugin, SimTick};
use cohort_battle::{
    ActiveEffects, AttackCooldown, BattlePlugin, BattleRules, BattleStatus, Health, Order,
    Position, Target, Team, UnitKind, UnitTypes, hp_to_points, load_scenario,
};

/// Counts every allocation, so the overlay can say which system made it.
#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

const USAGE: &str = "\
cargo run --release --example battle --features overlay -- [OPTIONS]

  --scenario PATH     scenario file [default: assets/scenarios/skirmish.ron]
  --units N           scale the scenario to N units in all
  --seed N            seed of the battle's randomness [default: the scenario's]
  --screenshot PATH   save a PNG of the window after --frames frames, then exit
  --frames N          frames before the screenshot [default: 300]
  --budgets PATH      time and allocation budgets [default: assets/budgets.ron]
";

/// The window's size in logical pixels (the screenshot's size).
const WINDOW: Vec2 = Vec2::new(1280.0, 800.0);
/// Width the overlay's main window takes at the left; the battle is framed beside it.
const OVERLAY_WIDTH: f32 = 740.0;
/// Height the overlay's simulation window takes at the top right (with its Battle,
/// Units alive, Events, Orders and AI sections open).
const SIDE_WINDOW_HEIGHT: f32 = 500.0;
/// A unit's square, in world units.
const UNIT_SIZE: f32 = 1.3;
/// A health bar's height and its centre's height above its unit's, in world units.
const BAR_HEIGHT: f32 = 0.3;
const BAR_LIFT: f32 = 1.1;
/// Health bars show once a unit is drawn at least this many pixels wide (below that they
/// would be specks).
const BAR_MIN_UNIT_PIXELS: f32 = 6.0;

const TEAM_COLORS: [[u8; 3]; 8] = [
    [225, 75, 65],
    [70, 135, 240],
    [95, 200, 105],
    [235, 190, 60],
    [175, 100, 225],
    [60, 205, 205],
    [240, 130, 190],
    [200, 200, 200],
];

struct Args {
    scenario: PathBuf,
    units: Option<u64>,
    seed: Option<u64>,
    screenshot: Option<PathBuf>,
    frames: u32,
    budgets: PathBuf,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args {
        scenario: PathBuf::from("assets/scenarios/skirmish.ron"),
        units: None,
        seed: None,
        screenshot: None,
        frames: 300,
        budgets: PathBuf::from("assets/budgets.ron"),
    };
    let mut words = std::env::args().skip(1);
    while let Some(word) = words.next() {
        let mut value = |name: &str| words.next().ok_or(format!("{name} needs a value"));
        match word.as_str() {
            "--help" | "-h" => return Ok(None),
            "--scenario" => args.scenario = value("--scenario")?.into(),
            "--units" => args.units = Some(number("--units", &value("--units")?, 1, 1_000_000)?),
            "--seed" => args.seed = Some(number("--seed", &value("--seed")?, 0, u64::MAX)?),
            "--screenshot" => args.screenshot = Some(value("--screenshot")?.into()),
            "--frames" => {
                args.frames = number("--frames", &value("--frames")?, 1, 100_000)? as u32;
            }
            "--budgets" => args.budgets = value("--budgets")?.into(),
            other => return Err(format!("unknown option {other:?}; see --help")),
        }
    }
    Ok(Some(args))
}

fn number(name: &str, text: &str, min: u64, max: u64) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!(
            "{name} must be a whole number from {min} to {max}, got {text:?}"
        )),
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let scenario = load_scenario(&args.scenario).and_then(|scenario| match args.units {
        Some(units) => scenario.scaled_to(units).map_err(|message| {
            cohort_battle::LoadError::at_field(&args.scenario, "units", message)
        }),
        None => Ok(scenario),
    });
    let mut scenario = match scenario {
        Ok(scenario) => scenario,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    if let Some(seed) = args.seed {
        scenario.scenario.seed = seed;
    }
    let rules = &scenario.scenario;
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins.set(WindowPlugin {
            primary_window: Some(Window {
                title: format!("cohort: {} ({} units)", rules.name, scenario.total_units()),
                resolution: WindowResolution::new(WINDOW.x as u32, WINDOW.y as u32)
                    .with_scale_factor_override(1.0),
                present_mode: PresentMode::AutoNoVsync,
                ..default()
            }),
            ..default()
        }),
    )
    .add_plugins((
        SimPlugin::default()
            .with_tick_rate(rules.tick_rate)
            .with_seed(rules.seed),
        BattlePlugin::new(scenario),
        ProfilerPlugin::default().budgets_file(&args.budgets),
        OverlayPlugin::default(),
    ))
    .insert_resource(ClearColor(Color::srgb(0.07, 0.08, 0.09)))
    .init_resource::<Selected>()
    .init_resource::<HealthBars>()
    .add_systems(Startup, frame_the_map)
    .add_systems(
        Update,
        (
            add_unit_sprites,
            frame_the_armies,
            (pan_and_zoom, select_unit),
            (draw_units, draw_health_bars, report_units, report_selected),
        )
            .chain(),
    );
    if let Some(path) = args.screenshot {
        app.insert_resource(ScreenshotPlan {
            path,
            after_frames: args.frames,
            frames: 0,
            taken: false,
        })
        .add_systems(Last, take_screenshot);
    }
    match app.run() {
        AppExit::Success => ExitCode::SUCCESS,
        AppExit::Error(code) => ExitCode::from(code.get()),
    }
}

/// The unit whose figures the overlay shows.
#[derive(Resource, Default)]
struct Selected(Option<Entity>);

/// Marks the map's backdrop sprite.
#[derive(Component)]
struct Backdrop;

/// A unit's health bar: a child sprite, hidden while the unit is unhurt.
#[derive(Component)]
struct HealthBar;

/// Whether health bars are wanted (H toggles) and whether they are drawn now (wanted and
/// zoomed in far enough to read).
#[derive(Resource)]
struct HealthBars {
    wanted: bool,
    drawn: bool,
}

impl Default for HealthBars {
    fn default() -> Self {
        Self {
            wanted: true,
            drawn: false,
        }
    }
}

fn team_color(team: u8, health: f32) -> Color {
    let [r, g, b] = TEAM_COLORS[team as usize % TEAM_COLORS.len()];
    let shade = 0.35 + 0.65 * health.clamp(0.0, 1.0);
    Color::srgb(
        f32::from(r) / 255.0 * shade,
        f32::from(g) / 255.0 * shade,
        f32::from(b) / 255.0 * shade,
    )
}

/// The camera, at the map's centre until the armies are framed, and the map's backdrop.
fn frame_the_map(mut commands: Commands, rules: Res<BattleRules>) {
    let map = rules.map;
    commands.spawn((
        Camera2d,
        Projection::Orthographic(OrthographicProjection {
            scale: (map.x / WINDOW.x).max(map.y / WINDOW.y),
            ..OrthographicProjection::default_2d()
        }),
        Transform::from_xyz(map.x / 2.0, map.y / 2.0, 0.0),
    ));
    commands.spawn((
        Backdrop,
        Sprite::from_color(Color::srgb(0.12, 0.14, 0.12), map),
        Transform::from_xyz(map.x / 2.0, map.y / 2.0, -1.0),
    ));
}

/// Once the armies stand, frames them in the part of the window the overlay leaves free:
/// right of its main window, below its simulation window.
fn frame_the_armies(
    units: Query<&Position>,
    mut camera: Query<(&mut Transform, &mut Projection), With<Camera2d>>,
    mut done: Local<bool>,
) {
    if *done {
        return;
    }
    let (min, max) = units.iter().fold(
        (Vec2::splat(f32::MAX), Vec2::splat(f32::MIN)),
        |(min, max), position| (min.min(position.0), max.max(position.0)),
    );
    let Ok((mut transform, mut projection)) = camera.single_mut() else {
        return;
    };
    if min.x > max.x {
        return;
    }
    *done = true;
    let Projection::Orthographic(ortho) = &mut *projection else {
        return;
    };
    // The free room, in screen pixels (y down).
    let room_min = Vec2::new(OVERLAY_WIDTH + 10.0, SIDE_WINDOW_HEIGHT);
    let room_max = WINDOW - Vec2::splat(10.0);
    let room = room_max - room_min;
    let size = (max - min).max(Vec2::splat(10.0)) * 1.1;
    let scale = (size.x / room.x).max(size.y / room.y);
    let center = (min + max) / 2.0;
    let room_center = (room_min + room_max) / 2.0;
    ortho.scale = scale;
    transform.translation.x = center.x - (room_center.x - WINDOW.x / 2.0) * scale;
    transform.translation.y = center.y + (room_center.y - WINDOW.y / 2.0) * scale;
}

/// Gives each new unit a square sprite in its team's colour and a hidden health bar.
fn add_unit_sprites(mut commands: Commands, units: Query<(Entity, &Team, &Position), Added<Team>>) {
    for (entity, team, position) in &units {
        commands
            .entity(entity)
            .insert((
                Sprite::from_color(team_color(team.0, 1.0), Vec2::splat(UNIT_SIZE)),
                Transform::from_translation(position.0.extend(0.0)),
            ))
            .with_child((
                HealthBar,
                Sprite::from_color(bar_color(1.0), Vec2::new(UNIT_SIZE, BAR_HEIGHT)),
                Transform::from_xyz(0.0, BAR_LIFT, 0.5),
                Visibility::Hidden,
            ));
    }
}

/// Green when whole, through yellow, to red when nearly dead.
fn bar_color(health: f32) -> Color {
    let health = health.clamp(0.0, 1.0);
    Color::srgb((2.0 - 2.0 * health).min(1.0), (2.0 * health).min(1.0), 0.15)
}

/// Shows a bar over each wounded unit, as long as its health, while bars are wanted and
/// the camera is zoomed in far enough; H toggles them. Only units whose health changed
/// are touched, except when the bars appear or disappear.
fn draw_health_bars(
    keys: Res<ButtonInput<KeyCode>>,
    egui: Option<Res<EguiWantsInput>>,
    camera: Query<&Projection, With<Camera2d>>,
    mut state: ResMut<HealthBars>,
    changed: Query<(&Health, &Children), Changed<Health>>,
    every: Query<(&Health, &Children)>,
    mut bars: Query<(&mut Sprite, &mut Transform, &mut Visibility), With<HealthBar>>,
) {
    if keys.just_pressed(KeyCode::KeyH) && keyboard_free(egui.as_deref()) {
        state.wanted = !state.wanted;
    }
    let scale = match camera.single() {
        Ok(Projection::Orthographic(ortho)) => ortho.scale,
        _ => 1.0,
    };
    let drawn = state.wanted && UNIT_SIZE / scale >= BAR_MIN_UNIT_PIXELS;
    if drawn != state.drawn {
        state.drawn = drawn;
        for (health, children) in &every {
            set_health_bar(health, children, drawn, &mut bars);
        }
    } else if drawn {
        for (health, children) in &changed {
            set_health_bar(health, children, drawn, &mut bars);
        }
    }
}

/// Sizes, colours and shows or hides one unit's bar.
fn set_health_bar(
    health: &Health,
    children: &Children,
    drawn: bool,
    bars: &mut Query<(&mut Sprite, &mut Transform, &mut Visibility), With<HealthBar>>,
) {
    let fraction = health.current as f32 / health.max.max(1) as f32;
    let show = drawn && fraction < 1.0;
    for &child in children {
        let Ok((mut sprite, mut transform, mut visibility)) = bars.get_mut(child) else {
            continue;
        };
        visibility.set_if_neq(if show {
            Visibility::Inherited
        } else {
            Visibility::Hidden
        });
        if show {
            sprite.custom_size = Some(Vec2::new(UNIT_SIZE * fraction, BAR_HEIGHT));
            sprite.color = bar_color(fraction);
            // Left-aligned: the bar shrinks towards the unit's left edge.
            transform.translation.x = -UNIT_SIZE * (1.0 - fraction) / 2.0;
        }
    }
}

/// Moves the sprites to the units and darkens them as they lose health; the selected unit
/// is drawn white and larger.
fn draw_units(
    mut units: Query<
        (
            Entity,
            &Team,
            &Position,
            &Health,
            &mut Transform,
            &mut Sprite,
        ),
        Or<(Changed<Position>, Changed<Health>)>,
    >,
    selected: Res<Selected>,
) {
    let selected = selected.0;
    units.par_iter_mut().for_each(
        |(entity, team, position, health, mut transform, mut sprite)| {
            transform.translation = position.0.extend(0.0);
            if Some(entity) == selected {
                sprite.color = Color::WHITE;
                sprite.custom_size = Some(Vec2::splat(3.0));
                transform.translation.z = 1.0;
            } else {
                sprite.color = team_color(team.0, health.current as f32 / health.max.max(1) as f32);
            }
        },
    );
}

/// Whether the game may read the keyboard: egui is absent or not typing.
fn keyboard_free(egui: Option<&EguiWantsInput>) -> bool {
    egui.is_none_or(|egui| !egui.wants_keyboard_input())
}

/// WASD or arrows pan, Q/E or the wheel zoom, a right- or middle-button drag pans.
fn pan_and_zoom(
    keys: Res<ButtonInput<KeyCode>>,
    buttons: Res<ButtonInput<MouseButton>>,
    scroll: Res<AccumulatedMouseScroll>,
    motion: Res<AccumulatedMouseMotion>,
    egui: Option<Res<EguiWantsInput>>,
    time: Res<Time>,
    mut camera: Query<(&mut Transform, &mut Projection), With<Camera2d>>,
) {
    let Ok((mut transform, mut projection)) = camera.single_mut() else {
        return;
    };
    let Projection::Orthographic(ortho) = &mut *projection else {
        return;
    };
    let pointer_free = egui.as_ref().is_none_or(|egui| !egui.wants_pointer_input());
    let keyboard_free = keyboard_free(egui.as_deref());
    let mut pan = Vec2::ZERO;
    let mut zoom = 0.0;
    if keyboard_free {
        for (key, direction) in [
            (KeyCode::KeyW, Vec2::Y),
            (KeyCode::ArrowUp, Vec2::Y),
            (KeyCode::KeyS, Vec2::NEG_Y),
            (KeyCode::ArrowDown, Vec2::NEG_Y),
            (KeyCode::KeyA, Vec2::NEG_X),
            (KeyCode::ArrowLeft, Vec2::NEG_X),
            (KeyCode::KeyD, Vec2::X),
            (KeyCode::ArrowRight, Vec2::X),
        ] {
            if keys.pressed(key) {
                pan += direction;
            }
        }
        if keys.pressed(KeyCode::KeyQ) {
            zoom += 1.5 * time.delta_secs();
        }
        if keys.pressed(KeyCode::KeyE) {
            zoom -= 1.5 * time.delta_secs();
        }
    }
    // Pixels per second of keyboard pan, in screen space.
    let mut translation = pan * 600.0 * time.delta_secs() * ortho.scale;
    if pointer_free {
        if buttons.pressed(MouseButton::Right) || buttons.pressed(MouseButton::Middle) {
            translation += Vec2::new(-motion.delta.x, motion.delta.y) * ortho.scale;
        }
        let lines = match scroll.unit {
            MouseScrollUnit::Line => scroll.delta.y,
            MouseScrollUnit::Pixel => scroll.delta.y / 40.0,
        };
        zoom -= lines * 0.1;
    }
    transform.translation += translation.extend(0.0);
    if zoom != 0.0 {
        ortho.scale = (ortho.scale * zoom.exp()).clamp(0.01, 50.0);
    }
}

/// A left click selects the living unit nearest to the pointer (within a few pixels).
fn select_unit(
    buttons: Res<ButtonInput<MouseButton>>,
    window: Query<&Window, With<PrimaryWindow>>,
    camera: Query<(&Camera, &GlobalTransform, &Projection)>,
    egui: Option<Res<EguiWantsInput>>,
    mut units: Query<(Entity, &mut Position)>,
    mut selected: ResMut<Selected>,
    mut sprites: Query<&mut Sprite>,
) {
    if !buttons.just_pressed(MouseButton::Left)
        || egui.is_some_and(|egui| egui.wants_pointer_input())
    {
        return;
    }
    let (Ok(window), Ok((camera, camera_transform, projection))) =
        (window.single(), camera.single())
    else {
        return;
    };
    let Some(world) = window
        .cursor_position()
        .and_then(|cursor| camera.viewport_to_world_2d(camera_transform, cursor).ok())
    else {
        return;
    };
    let scale = match projection {
        Projection::Orthographic(ortho) => ortho.scale,
        _ => 1.0,
    };
    let reach = (8.0 * scale).max(1.0);
    let nearest = units
        .iter()
        .map(|(entity, position)| (entity, position.0.distance_squared(world)))
        .filter(|(_, distance)| *distance <= reach * reach)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(entity, _)| entity);
    if let Some(previous) = selected.0
        && let Ok(mut sprite) = sprites.get_mut(previous)
    {
        sprite.custom_size = Some(Vec2::splat(UNIT_SIZE));
    }
    // `draw_units` redraws only units that changed: mark the two whose look changes.
    for unit in [selected.0, nearest].into_iter().flatten() {
        if let Ok((_, mut position)) = units.get_mut(unit) {
            position.set_changed();
        }
    }
    selected.0 = nearest;
}

/// Units alive per team, and the battle's tick and state, for the overlay.
fn report_units(
    rules: Res<BattleRules>,
    status: Res<BattleStatus>,
    tick: Res<SimTick>,
    mut stats: ResMut<OverlayStats>,
    mut started: Local<Vec<u32>>,
) {
    if started.is_empty() && status.total_alive() > 0 {
        started.extend_from_slice(&status.alive);
    }
    let battle = stats.section("Battle");
    battle.set_count("tick", tick.get());
    match status.outcome {
        Some(outcome) => {
            let winner = outcome
                .winner
                .and_then(|team| rules.team_names.get(team as usize))
                .map_or("nobody", String::as_str);
            battle.set_fmt(
                "state",
                format_args!("over: {:?}, {winner} won", outcome.reason),
            );
        }
        None => {
            battle.set_text("state", "fighting");
        }
    }
    let units = stats.section("Units alive");
    for (team, name) in rules.team_names.iter().enumerate() {
        let alive = status.alive.get(team).copied().unwrap_or(0);
        let start = started.get(team).copied().unwrap_or(alive);
        let [r, g, b] = TEAM_COLORS[team % TEAM_COLORS.len()];
        units
            .set_usage(name, u64::from(alive), u64::from(start))
            .swatch([r, g, b]);
    }
}

/// The selected unit's figures, for the overlay.
fn report_selected(
    mut selected: ResMut<Selected>,
    units: Query<(
        &Team,
        &UnitKind,
        &Position,
        &Health,
        &Target,
        &AttackCooldown,
        &ActiveEffects,
        &ActionQueue<Order>,
        (&AiAgent, &Decision, &DecisionScores),
    )>,
    pool: Res<ActionPool<Order>>,
    mut inspector: ResMut<AiInspector>,
    makers: Res<DecisionMakers>,
    schema: Res<AiSchema>,
    types: Res<UnitTypes>,
    rules: Res<BattleRules>,
    mut stats: ResMut<OverlayStats>,
) {
    inspector.watched = selected.0;
    let Some(entity) = selected.0 else {
        stats.set_hidden("Selected unit", true);
        return;
    };
    let Ok((
        team,
        kind,
        position,
        health,
        target,
        cooldown,
        effects,
        queue,
        (agent, decision, why),
    )) = units.get(entity)
    else {
        // It died.
        selected.0 = None;
        stats.set_hidden("Selected unit", true);
        return;
    };
    let section = stats.section("Selected unit");
    section.hidden = false;
    // Only this frame's rows: another unit's longer queue or more options must not linger.
    section.hide_rows();
    let team_name = rules
        .team_names
        .get(team.0 as usize)
        .map_or("?", String::as_str);
    let kind_name = types
        .0
        .get(kind.0 as usize)
        .map_or("?", |unit| unit.name.as_str());
    section.set_fmt("unit", format_args!("{entity} ({team_name} {kind_name})"));
    section
        .set_fmt(
            "health",
            format_args!(
                "{:.1} / {:.1}",
                hp_to_points(i64::from(health.current)),
                hp_to_points(i64::from(health.max))
            ),
        )
        .fraction(health.current as f32 / health.max.max(1) as f32);
    section.set_fmt(
        "position",
        format_args!("({:.1}, {:.1})", position.0.x, position.0.y),
    );
    match target.entity {
        Some(enemy) => section.set_fmt("target", format_args!("{enemy}")),
        None => section.set_text("target", "none in sight"),
    };
    section.set_fmt("attack cooldown", format_args!("{} ticks", cooldown.0));
    section.set_fmt("effects", format_args!("{}", effects.iter().count()));
    match queue.current() {
        Some(order) => section.set_fmt(
            "order",
            format_args!(
                "{order:?}, {} ticks, {:?}",
                queue.ticks_running(),
                queue.state()
            ),
        ),
        None => section.set_text("order", "none"),
    };
    section.set_fmt("queued", format_args!("{}", queue.len()));
    for (index, next) in pool.iter(queue).take(3).enumerate() {
        section.set_fmt(
            QUEUED_LABELS[index],
            format_args!("{:?} (priority {})", next.action, next.priority),
        );
    }
    report_ai_scores(
        section,
        agent,
        (decision, why),
        &inspector,
        &makers,
        &schema,
    );
}

/// The selected unit's last decision: every option's score, and the chosen option's
/// considerations from the inspector.
fn report_ai_scores(
    section: &mut StatSection,
    agent: &AiAgent,
    (decision, why): (&Decision, &DecisionScores),
    inspector: &AiInspector,
    makers: &DecisionMakers,
    schema: &AiSchema,
) {
    let Some(maker) = makers.get(agent.maker) else {
        return;
    };
    let chosen = decision
        .option()
        .and_then(|option| maker.option_name(option))
        .unwrap_or("nothing");
    section.set_fmt(
        "AI",
        format_args!(
            "{} chose {chosen} ({:.2}), tick {}",
            maker.name(),
            decision.score(),
            decision.decided_at().unwrap_or(0)
        ),
    );
    for (index, score) in why.scores().iter().enumerate().take(OPTION_LABELS.len()) {
        let name = maker.option_name(index as u16).unwrap_or("?");
        section.set_fmt(OPTION_LABELS[index], format_args!("{name} {score:.2}"));
    }
    let Some((_, _, _, explanation)) = inspector.explanation() else {
        return;
    };
    let Some(chosen) = explanation.chosen() else {
        return;
    };
    for (index, line) in explanation
        .considerations_of(chosen)
        .iter()
        .enumerate()
        .take(CONSIDERATION_LABELS.len())
    {
        section.set_fmt(
            CONSIDERATION_LABELS[index],
            format_args!(
                "{} = {:.2} -> {:.2}",
                schema.name_of(line.input),
                line.raw,
                line.score
            ),
        );
    }
}

/// Labels of the selected unit's option scores.
const OPTION_LABELS: [&str; 6] = [
    "  option 1",
    "  option 2",
    "  option 3",
    "  option 4",
    "  option 5",
    "  option 6",
];

/// Labels of the chosen option's considerations.
const CONSIDERATION_LABELS: [&str; 4] =
    ["  because 1", "  because 2", "  because 3", "  because 4"];

/// Labels of the first queued orders shown for the selected unit.
const QUEUED_LABELS: [&str; 3] = ["next", "then", "after that"];

/// What `--screenshot` asked for.
#[derive(Resource)]
struct ScreenshotPlan {
    path: PathBuf,
    after_frames: u32,
    frames: u32,
    taken: bool,
}

/// Takes the screenshot after the planned frames, then exits once the file is written (or
/// with an error if it never is).
fn take_screenshot(
    mut commands: Commands,
    mut plan: ResMut<ScreenshotPlan>,
    mut exit: MessageWriter<AppExit>,
) {
    plan.frames += 1;
    if !plan.taken && plan.frames >= plan.after_frames {
        if let Some(dir) = plan.path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = std::fs::remove_file(&plan.path);
        commands
            .spawn(Screenshot::primary_window())
            .observe(save_to_disk(plan.path.clone()));
        plan.taken = true;
        return;
    }
    if plan.taken {
        let written = std::fs::metadata(&plan.path).is_ok_and(|meta| meta.len() > 0);
        if written {
            // One more frame lets the encoder finish writing before the process ends.
            info!("screenshot written to {}", plan.path.display());
            exit.write(AppExit::Success);
        } else if plan.frames > plan.after_frames + 600 {
            error!("the screenshot was not written to {}", plan.path.display());
            exit.write(AppExit::error());
        }
    }
}
