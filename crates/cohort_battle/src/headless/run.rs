//! Building and running a headless battle.

use std::fmt;
use std::path::Path;
use std::time::Instant;

use bevy::MinimalPlugins;
use bevy::app::{App, PluginGroup, TaskPoolPlugin};
use bevy::ecs::entity::Entity;
use bevy::ecs::query::With;
use bevy::ecs::world::World;
use bevy::tasks::ComputeTaskPool;
use cohort_actions::{ActionPool, ActionTypeSummary};
use cohort_ai::AiStats;
use cohort_events::EventRegistry;
use cohort_profiler::{Budgets, ExportScope, Profiler, ProfilerPlugin};
use cohort_sim::{
    SimPlugin, SimTick, SimTickTiming, finish_plugins, format_world_hash, task_pool_options,
    world_hash,
};
use serde_json::{Map, Value};

use super::args::{DEFAULT_BUDGETS, HeadlessArgs};
use super::report::{
    ActionPoolReport, ActionsReport, EndReport, LedgerReport, PoolsReport, RunReport, TickTimes,
};
use crate::data::{LoadError, LoadedScenario, load_scenario};
use crate::orders::Order;
use crate::outcome::{BattleLedger, BattleStatus, EndReason};
use crate::rules::BattleRules;
use crate::{BattlePlugin, Team};

/// Why a run could not start or finish. `Display` gives one line.
#[derive(Debug)]
pub enum RunError {
    /// A scenario or unit file is wrong.
    Load(LoadError),
    /// An option does not fit the scenario.
    Options(String),
    /// The report could not be written.
    Report(String),
    /// The simulation stopped running ticks before the battle ended (at this tick).
    Stalled(u64),
}

/// Updates in a row that may run no tick before the runner gives up instead of hanging.
const MAX_IDLE_UPDATES: u32 = 1_000;

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Load(error) => write!(f, "{error}"),
            RunError::Options(message) | RunError::Report(message) => f.write_str(message),
            RunError::Stalled(tick) => write!(
                f,
                "the simulation stopped advancing at tick {tick} before the battle ended"
            ),
        }
    }
}

impl std::error::Error for RunError {}

impl From<LoadError> for RunError {
    fn from(error: LoadError) -> Self {
        RunError::Load(error)
    }
}

/// Where a run stands, passed to the progress callback after every tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Ticks run.
    pub tick: u64,
    /// The tick limit.
    pub limit: u64,
    /// Living units.
    pub alive: u64,
}

/// Loads the scenario named by `args` and applies `--units`, `--ticks` and `--seed`.
pub fn prepare_scenario(args: &HeadlessArgs) -> Result<LoadedScenario, RunError> {
    let mut scenario = load_scenario(&args.scenario)?;
    if let Some(units) = args.units {
        scenario = scenario.scaled_to(units).map_err(RunError::Options)?;
    }
    if let Some(ticks) = args.ticks {
        scenario.scenario.tick_limit = ticks;
    }
    if let Some(seed) = args.seed {
        scenario.scenario.seed = seed;
    }
    Ok(scenario)
}

/// A headless app that runs `scenario` one tick per `App::update`, as fast as it can, with
/// `threads` compute threads (one per core when `None`). Bevy's task pools are global: the
/// first app in a process fixes their size.
pub fn build_battle_app(scenario: LoadedScenario, threads: Option<usize>) -> App {
    build_app(scenario, threads, None)
}

/// [`build_battle_app`] with the profiler measuring every system.
pub fn build_profiled_battle_app(
    scenario: LoadedScenario,
    threads: Option<usize>,
    profiler: ProfilerPlugin,
) -> App {
    build_app(scenario, threads, Some(profiler))
}

fn build_app(
    scenario: LoadedScenario,
    threads: Option<usize>,
    profiler: Option<ProfilerPlugin>,
) -> App {
    let mut app = App::new();
    let threads = threads.unwrap_or_else(bevy::tasks::available_parallelism);
    let task_pools = TaskPoolPlugin {
        task_pool_options: task_pool_options(threads),
    };
    let rules = &scenario.scenario;
    app.add_plugins(MinimalPlugins.set(task_pools))
        .add_plugins((
            SimPlugin::default()
                .with_tick_rate(rules.tick_rate)
                .with_seed(rules.seed)
                .fast_forward(1),
            BattlePlugin::new(scenario),
        ));
    if let Some(profiler) = profiler {
        app.add_plugins(profiler);
    }
    finish_plugins(&mut app);
    app
}

/// Runs the battle `args` describe to its end and returns the report; writes it to
/// `--report` when given. Calls `progress` after every tick.
pub fn run_battle(
    args: &HeadlessArgs,
    mut progress: impl FnMut(Progress),
) -> Result<RunReport, RunError> {
    let scenario = prepare_scenario(args)?;
    for (flag, path) in [("--report", &args.report), ("--csv", &args.csv)] {
        if let Some(path) = path {
            check_report_path(flag, path)?;
        }
    }
    let units = scenario.total_units();
    let limit = scenario.scenario.tick_limit;
    let seed = scenario.scenario.seed;
    let name = scenario.scenario.name.clone();
    let scenario_path = scenario.path.display().to_string();
    let mut profiler = ProfilerPlugin::default().warmup_frames(warmup_frames(limit));
    if args.budgets.is_file() || args.budgets.as_path() != Path::new(DEFAULT_BUDGETS) {
        profiler = profiler.budgets(Budgets::load(&args.budgets)?);
    }
    let mut app = build_profiled_battle_app(scenario, args.threads, profiler);

    let mut tick_ms = Vec::with_capacity(limit.min(1 << 20) as usize);
    let mut idle_updates = 0;
    let started = Instant::now();
    while app.world().resource::<BattleStatus>().outcome.is_none() {
        app.update();
        let world = app.world();
        let timing = world.resource::<SimTickTiming>();
        if timing.ticks_last_run > 0 {
            tick_ms.push(timing.last.as_secs_f64() * 1000.0);
            idle_updates = 0;
        } else {
            idle_updates += 1;
            if idle_updates > MAX_IDLE_UPDATES {
                return Err(RunError::Stalled(world.resource::<SimTick>().get()));
            }
        }
        progress(Progress {
            tick: world.resource::<SimTick>().get(),
            limit,
            alive: world.resource::<BattleStatus>().total_alive(),
        });
    }
    let wall_seconds = started.elapsed().as_secs_f64();

    let hash = format_world_hash(world_hash(app.world_mut()));
    let live_before_teardown = app.world().resource::<ActionPool<Order>>().live();
    tear_down(app.world_mut());
    let world = app.world();
    let orders = ActionTypeSummary::of::<Order>(world).unwrap_or_default();
    let profile = world.resource::<Profiler>().report();
    if let Some(path) = &args.csv {
        write_csv(world.resource::<Profiler>(), path)?;
    }
    let status = world.resource::<BattleStatus>();
    let rules = world.resource::<BattleRules>();
    let outcome = status
        .outcome
        .expect("the loop runs until the battle has an outcome");
    let mut survivors = Map::new();
    for (team, alive) in rules.team_names.iter().zip(&status.alive) {
        survivors.insert(team.clone(), Value::from(*alive));
    }
    let report = RunReport {
        scenario: name,
        scenario_path,
        units,
        ticks: outcome.ticks,
        tick_limit: limit,
        threads: ComputeTaskPool::get().thread_num(),
        seed,
        winner: outcome
            .winner
            .map(|team| rules.team_names[usize::from(team)].clone()),
        end: match outcome.reason {
            EndReason::Victory => EndReport::Victory,
            EndReason::Draw => EndReport::Draw,
            EndReason::TickLimit => EndReport::TickLimit,
        },
        survivors,
        world_hash: hash,
        ticks_per_second: outcome.ticks as f64 / wall_seconds.max(1e-9),
        tick_ms: TickTimes::from_millis(&mut tick_ms),
        wall_seconds,
        ledger: LedgerReport::from(world.resource::<BattleLedger>()),
        events: EventRegistry::summaries(world)
            .into_iter()
            .map(|(name, summary)| (name.to_string(), summary))
            .collect(),
        pools: PoolsReport {
            actions: ActionPoolReport {
                pool: orders.pool,
                live_before_teardown,
            },
        },
        actions: ActionsReport {
            counts: orders.counts,
            latency_ticks_p95: orders.latency_ticks_p95,
        },
        ai: world
            .get_resource::<AiStats>()
            .map(AiStats::summary)
            .unwrap_or_default(),
        profile,
    };
    if let Some(path) = &args.report {
        write_report(path, &report)?;
    }
    Ok(report)
}

/// Despawns every unit, as a game leaving the battle would: their queues give every slot
/// back to the order pool.
fn tear_down(world: &mut World) {
    let mut units = world.query_filtered::<Entity, With<Team>>();
    let units: Vec<Entity> = units.iter(world).collect();
    for unit in units {
        world.despawn(unit);
    }
}

/// Frames before the profiler calls it steady state: a tenth of the run, at most 60.
fn warmup_frames(tick_limit: u64) -> u64 {
    (tick_limit / 10).min(60)
}

/// The per-system table to `path`, the whole run's frames beside it (`x.csv` gives
/// `x.frames.csv`).
fn write_csv(profiler: &Profiler, path: &Path) -> Result<(), RunError> {
    let frames = path.with_extension("frames.csv");
    profiler
        .write_csv(ExportScope::Run, path, &frames)
        .map_err(|error| {
            RunError::Report(format!("--csv {}: cannot write: {error}", path.display()))
        })
}

/// Fails early, before a long run, when the report cannot be written where asked.
fn check_report_path(flag: &str, path: &Path) -> Result<(), RunError> {
    if path.is_dir() {
        return Err(RunError::Report(format!(
            "{flag} {}: is a directory; give a file name",
            path.display()
        )));
    }
    let parent = path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty());
    if let Some(parent) = parent
        && !parent.is_dir()
    {
        return Err(RunError::Report(format!(
            "{flag} {}: the directory {} does not exist",
            path.display(),
            parent.display()
        )));
    }
    Ok(())
}

fn write_report(path: &Path, report: &RunReport) -> Result<(), RunError> {
    let mut json = serde_json::to_string_pretty(report)
        .map_err(|error| RunError::Report(format!("cannot encode the report: {error}")))?;
    json.push('\n');
    std::fs::write(path, json).map_err(|error| {
        RunError::Report(format!(
            "--report {}: cannot write: {error}",
            path.display()
        ))
    })
}
