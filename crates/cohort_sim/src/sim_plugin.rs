//! [`SimPlugin`]: creates [`SimSchedule`] and drives it once per tick.

use core::time::Duration;
use std::time::Instant;

use bevy::app::{App, First, FixedUpdate, Plugin};
use bevy::ecs::intern::Interned;
use bevy::ecs::prelude::*;
use bevy::ecs::schedule::{MultiThreadedExecutor, ScheduleLabel};
use bevy::log::warn;
use bevy::time::{Fixed, Time, TimeUpdateStrategy, Virtual};

use crate::rng::SimRng;
use crate::schedule::{SimSchedule, SimSystems};
use crate::world_hash::{SimHashRegistry, SimIdAllocator};

/// The lowest and highest tick rates [`SimPlugin`] accepts, in ticks per second.
pub const TICK_RATE_RANGE: core::ops::RangeInclusive<f64> = 1.0..=1000.0;

/// Adds [`SimSchedule`] with its chained [`SimSystems`] phases and runs it once per tick
/// from a driver schedule ([`FixedUpdate`] by default).
///
/// It inserts [`SimConfig`], [`SimTick`], [`SimTickTiming`], [`SimRng`] and
/// [`SimIdAllocator`]. With the default driver it sets `Time<Fixed>` to the tick rate, so
/// the simulation advances at `tick_rate` ticks per second of game time. With
/// [`fast_forward`](Self::fast_forward) every `App::update` runs exactly a given number of
/// ticks without waiting on the clock, for headless runs, tests and benches.
///
/// ```
/// use bevy::prelude::*;
/// use cohort_sim::prelude::*;
///
/// fn count(mut counter: Local<u32>) {
///     *counter += 1;
/// }
///
/// let mut app = App::new();
/// app.add_plugins((MinimalPlugins, SimPlugin::default().fast_forward(1)))
///     .add_systems(SimSchedule, count.in_set(SimSystems::Act));
/// assert_eq!(app.run_sim_ticks(10), 10);
/// assert_eq!(app.world().resource::<SimTick>().get(), 10);
/// ```
#[derive(Debug, Clone)]
pub struct SimPlugin {
    /// Simulation ticks per second of game time. Default 30; clamped to [`TICK_RATE_RANGE`].
    pub tick_rate: f64,
    /// The schedule that runs [`SimSchedule`]. Default [`FixedUpdate`].
    pub driver: Interned<dyn ScheduleLabel>,
    /// When set, each `App::update` advances time by this many ticks (see
    /// [`fast_forward`](Self::fast_forward)).
    pub fast_forward: Option<u32>,
    /// The seed of [`SimRng`]. Default `SimRng::default().seed()`.
    pub seed: u64,
}

impl Default for SimPlugin {
    fn default() -> Self {
        Self {
            tick_rate: 30.0,
            driver: FixedUpdate.intern(),
            fast_forward: None,
            seed: SimRng::default().seed(),
        }
    }
}

impl SimPlugin {
    /// Sets the tick rate in ticks per second.
    pub fn with_tick_rate(mut self, tick_rate: f64) -> Self {
        self.tick_rate = tick_rate;
        self
    }

    /// Runs [`SimSchedule`] from `driver` instead of [`FixedUpdate`]. The driver runs one
    /// tick per run (more with [`SimConfig::ticks_per_run`]); pacing is then up to you.
    pub fn with_driver(mut self, driver: impl ScheduleLabel) -> Self {
        self.driver = driver.intern();
        self
    }

    /// Seeds [`SimRng`].
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Makes every `App::update` advance game time by exactly `ticks_per_update` ticks, so
    /// the simulation runs as fast as the machine allows instead of at wall-clock speed.
    ///
    /// Uses [`TimeUpdateStrategy::FixedTimesteps`]; needs Bevy's `TimePlugin` (part of
    /// `MinimalPlugins` and `DefaultPlugins`) and the default [`FixedUpdate`] driver.
    pub fn fast_forward(mut self, ticks_per_update: u32) -> Self {
        self.fast_forward = Some(ticks_per_update.max(1));
        self
    }

    fn checked_tick_rate(&self) -> f64 {
        if TICK_RATE_RANGE.contains(&self.tick_rate) {
            return self.tick_rate;
        }
        let clamped = if self.tick_rate.is_nan() {
            30.0
        } else {
            self.tick_rate
                .clamp(*TICK_RATE_RANGE.start(), *TICK_RATE_RANGE.end())
        };
        warn!(
            "cohort: SimPlugin tick_rate {} is outside {:?}; using {clamped}",
            self.tick_rate, TICK_RATE_RANGE
        );
        clamped
    }
}

impl Plugin for SimPlugin {
    fn build(&self, app: &mut App) {
        let tick_rate = self.checked_tick_rate();
        let mut schedule = Schedule::new(SimSchedule);
        schedule.set_executor(MultiThreadedExecutor::new());
        schedule.configure_sets(
            (
                SimSystems::Sense,
                SimSystems::Decide,
                SimSystems::Act,
                SimSystems::Resolve,
                SimSystems::Cleanup,
            )
                .chain(),
        );
        app.add_schedule(schedule)
            .insert_resource(SimConfig {
                tick_rate,
                ..SimConfig::default()
            })
            .insert_resource(SimRng::new(self.seed))
            .init_resource::<SimTick>()
            .init_resource::<SimTickTiming>()
            .init_resource::<SimIdAllocator>()
            .init_resource::<SimHashRegistry>()
            .add_systems(self.driver, run_sim_schedule);

        let tick = Duration::from_secs_f64(1.0 / tick_rate);
        if self.driver == FixedUpdate.intern() {
            app.insert_resource(Time::<Fixed>::from_duration(tick))
                .add_systems(
                    First,
                    sync_fixed_timestep.run_if(resource_changed::<SimConfig>),
                );
        }
        if let Some(ticks) = self.fast_forward {
            app.insert_resource(TimeUpdateStrategy::FixedTimesteps(ticks));
            let mut virtual_time = Time::<Virtual>::default();
            virtual_time.set_max_delta(tick * ticks.max(1));
            app.insert_resource(virtual_time);
        }
    }
}

/// Runtime settings of the simulation.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// Ticks per second of game time, first from [`SimPlugin::tick_rate`]. With the
    /// default [`FixedUpdate`] driver a change here also changes `Time<Fixed>`'s timestep.
    pub tick_rate: f64,
    /// While `true`, the driver runs no ticks (the battle sets it when it ends).
    pub paused: bool,
    /// Ticks run each time the driver schedule runs. Default 1.
    pub ticks_per_run: u32,
    /// When set, no tick runs once [`SimTick`] reaches this value.
    pub run_until: Option<u64>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            tick_rate: 30.0,
            paused: false,
            ticks_per_run: 1,
            run_until: None,
        }
    }
}

impl SimConfig {
    /// The game time one tick stands for, in seconds; use it to scale speeds.
    pub fn tick_seconds(&self) -> f32 {
        (1.0 / self.tick_rate) as f32
    }
}

/// The simulation tick. Inside a tick's systems it is that tick's index, starting at 0;
/// between ticks it is the number of ticks completed.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTick(pub u64);

impl SimTick {
    /// The tick's number.
    pub const fn get(self) -> u64 {
        self.0
    }
}

/// Wall-clock time of the most recent ticks, measured around each run of [`SimSchedule`].
#[derive(Resource, Debug, Clone, Copy)]
pub struct SimTickTiming {
    /// How long the last tick took.
    pub last: Duration,
    /// How many ticks the last run of the driver schedule ran.
    pub ticks_last_run: u32,
    /// Ticks timed since the start; tick `n`'s time is `recent[n % TICK_HISTORY]` while
    /// `n + TICK_HISTORY > ticks_timed`, so a reader that keeps up loses nothing.
    pub ticks_timed: u64,
    /// The last [`TICK_HISTORY`] tick times, as a ring (see `ticks_timed`).
    pub recent: [Duration; TICK_HISTORY],
}

/// How many tick times [`SimTickTiming`] keeps: more than a fast-forwarding frame runs.
pub const TICK_HISTORY: usize = 256;

impl Default for SimTickTiming {
    fn default() -> Self {
        Self {
            last: Duration::ZERO,
            ticks_last_run: 0,
            ticks_timed: 0,
            recent: [Duration::ZERO; TICK_HISTORY],
        }
    }
}

impl SimTickTiming {
    fn record(&mut self, elapsed: Duration) {
        self.last = elapsed;
        self.recent[(self.ticks_timed % TICK_HISTORY as u64) as usize] = elapsed;
        self.ticks_timed += 1;
    }

    /// The times of ticks `from..ticks_timed` that are still in the ring, oldest first, and
    /// how many older ones were overwritten before being read.
    pub fn since(&self, from: u64) -> (impl Iterator<Item = Duration> + '_, u64) {
        let oldest_kept = self.ticks_timed.saturating_sub(TICK_HISTORY as u64);
        let start = from.max(oldest_kept);
        let times = (start..self.ticks_timed)
            .map(|tick| self.recent[(tick % TICK_HISTORY as u64) as usize]);
        (times, start - from.min(start))
    }
}

/// Runs [`SimSchedule`] `SimConfig::ticks_per_run` times unless paused or at
/// `SimConfig::run_until`, timing each tick.
pub fn run_sim_schedule(world: &mut World) {
    let ticks = world.resource::<SimConfig>().ticks_per_run;
    let mut ran = 0;
    for _ in 0..ticks {
        let config = world.resource::<SimConfig>();
        let tick = world.resource::<SimTick>().get();
        if config.paused || config.run_until.is_some_and(|until| tick >= until) {
            break;
        }
        let start = Instant::now();
        world.run_schedule(SimSchedule);
        let elapsed = start.elapsed();
        world.resource_mut::<SimTick>().0 += 1;
        world.resource_mut::<SimTickTiming>().record(elapsed);
        ran += 1;
    }
    world.resource_mut::<SimTickTiming>().ticks_last_run = ran;
}

/// Keeps `Time<Fixed>`'s timestep at [`SimConfig::tick_rate`] when the config changes. A
/// rate out of range is refused: the timestep stays and the config gets its rate back, so
/// [`SimConfig::tick_seconds`] goes on telling the truth.
fn sync_fixed_timestep(
    mut config: ResMut<SimConfig>,
    mut fixed: ResMut<Time<Fixed>>,
    mut accepted: Local<Option<f64>>,
) {
    if TICK_RATE_RANGE.contains(&config.tick_rate) {
        *accepted = Some(config.tick_rate);
        let tick = Duration::from_secs_f64(1.0 / config.tick_rate);
        if fixed.timestep() != tick {
            fixed.set_timestep(tick);
        }
    } else {
        // The rate last accepted, exactly (the timestep's is rounded to nanoseconds).
        let kept = accepted.unwrap_or_else(|| 1.0 / fixed.timestep().as_secs_f64());
        warn!(
            "cohort: SimConfig tick_rate {} is outside {:?}; keeping {kept} ticks a second",
            config.tick_rate, TICK_RATE_RANGE
        );
        config.tick_rate = kept;
    }
}

/// Headless helpers on [`App`].
pub trait SimAppExt {
    /// Calls `App::update` until `ticks` more simulation ticks have run, then returns how
    /// many ran: exactly `ticks`, unless the simulation was paused first (say, the battle
    /// ended), reached [`SimConfig::run_until`], or time stopped advancing.
    ///
    /// Pair it with [`SimPlugin::fast_forward`] so no update waits on the clock. Finishes
    /// the app's plugins first if nobody has.
    fn run_sim_ticks(&mut self, ticks: u64) -> u64;
}

impl SimAppExt for App {
    fn run_sim_ticks(&mut self, ticks: u64) -> u64 {
        finish_plugins(self);
        let start = self.world().resource::<SimTick>().get();
        let target = start.saturating_add(ticks);
        let outer_limit = self.world().resource::<SimConfig>().run_until;
        self.world_mut().resource_mut::<SimConfig>().run_until =
            Some(outer_limit.map_or(target, |limit| limit.min(target)));
        let ran = update_until(self, target) - start;
        self.world_mut().resource_mut::<SimConfig>().run_until = outer_limit;
        ran
    }
}

/// Updates `app` until [`SimTick`] reaches `target`; returns the tick reached.
fn update_until(app: &mut App, target: u64) -> u64 {
    let mut idle_updates = 0u32;
    loop {
        let now = app.world().resource::<SimTick>().get();
        let config = app.world().resource::<SimConfig>();
        if now >= target || config.paused || config.run_until.is_some_and(|until| now >= until) {
            return now;
        }
        app.update();
        if app.world().resource::<SimTick>().get() == now {
            idle_updates += 1;
            // Wall-clock pacing may need a few updates per tick; a stalled clock never
            // ends, so give up rather than hang.
            if idle_updates > 10_000 {
                warn!("cohort: run_sim_ticks stopped: 10000 updates ran no tick");
                return now;
            }
        } else {
            idle_updates = 0;
        }
    }
}

/// Finishes and cleans up plugins when an app is driven by hand instead of `App::run`.
pub fn finish_plugins(app: &mut App) {
    use bevy::app::PluginsState;
    while app.plugins_state() == PluginsState::Adding {
        bevy::tasks::tick_global_task_pools_on_main_thread();
    }
    if app.plugins_state() == PluginsState::Ready {
        app.finish();
        app.cleanup();
    }
}

#[cfg(test)]
mod tests {
    use bevy::MinimalPlugins;
    use bevy::app::Update;

    use super::*;

    #[derive(Resource, Default)]
    struct Trace(Vec<(u64, SimSystems)>);

    fn record(phase: SimSystems) -> impl FnMut(Res<SimTick>, ResMut<Trace>) {
        move |tick, mut trace| trace.0.push((tick.get(), phase))
    }

    fn test_app(plugin: SimPlugin) -> App {
        let mut app = App::new();
        app.add_plugins((MinimalPlugins, plugin))
            .init_resource::<Trace>();
        for phase in SimSystems::ALL {
            app.add_systems(SimSchedule, record(phase).in_set(phase));
        }
        app
    }

    #[test]
    fn tick_timing_keeps_the_last_ticks_and_counts_the_lost() {
        let mut timing = SimTickTiming::default();
        for tick in 0..(TICK_HISTORY as u64 + 10) {
            timing.record(Duration::from_micros(tick));
        }
        let (times, lost) = timing.since(TICK_HISTORY as u64 + 5);
        let times: Vec<u64> = times.map(|time| time.as_micros() as u64).collect();
        assert_eq!(times, [261, 262, 263, 264, 265]);
        assert_eq!(lost, 0);
        let (times, lost) = timing.since(0);
        assert_eq!(times.count(), TICK_HISTORY);
        assert_eq!(lost, 10, "ten ticks were overwritten before being read");
        assert_eq!(timing.last, Duration::from_micros(265));
    }

    #[test]
    fn phases_run_in_order_every_tick() {
        let mut app = test_app(SimPlugin::default().fast_forward(1));
        assert_eq!(app.run_sim_ticks(3), 3);
        let trace = &app.world().resource::<Trace>().0;
        let expected: Vec<_> = (0..3)
            .flat_map(|tick| SimSystems::ALL.map(|phase| (tick, phase)))
            .collect();
        assert_eq!(trace, &expected);
    }

    #[test]
    fn fast_forward_runs_exactly_n_ticks() {
        for per_update in [1, 4] {
            let mut app = test_app(SimPlugin::default().fast_forward(per_update));
            assert_eq!(
                app.run_sim_ticks(1),
                1,
                "first call, {per_update} per update"
            );
            assert_eq!(app.run_sim_ticks(100), 100, "{per_update} per update");
            let ticks = app.world().resource::<SimTick>().get();
            assert_eq!(ticks, 101, "{per_update} per update");
        }
        let mut app = test_app(SimPlugin::default().fast_forward(1));
        app.run_sim_ticks(100);
        assert_eq!(app.world().resource::<SimTick>().get(), 100);
        assert_eq!(
            app.world().resource::<Trace>().0.len(),
            500,
            "5 phases × 100 ticks"
        );
    }

    #[test]
    fn pausing_stops_ticks() {
        let mut app = test_app(SimPlugin::default().fast_forward(1));
        app.run_sim_ticks(5);
        app.world_mut().resource_mut::<SimConfig>().paused = true;
        assert_eq!(app.run_sim_ticks(5), 0);
        app.update();
        assert_eq!(app.world().resource::<SimTick>().get(), 5);
    }

    #[test]
    fn custom_driver_runs_ticks_per_run() {
        let mut app = test_app(SimPlugin::default().with_driver(Update));
        app.world_mut().resource_mut::<SimConfig>().ticks_per_run = 3;
        finish_plugins(&mut app);
        app.update();
        app.update();
        assert_eq!(app.world().resource::<SimTick>().get(), 6);
        assert_eq!(app.world().resource::<SimTickTiming>().ticks_last_run, 3);
    }

    #[test]
    fn changing_the_tick_rate_changes_the_fixed_timestep() {
        let mut app = test_app(SimPlugin::default().fast_forward(1));
        app.run_sim_ticks(1);
        let timestep = |app: &App| app.world().resource::<Time<Fixed>>().timestep();
        assert_eq!(timestep(&app), Duration::from_secs_f64(1.0 / 30.0));
        app.world_mut().resource_mut::<SimConfig>().tick_rate = 60.0;
        assert_eq!(app.run_sim_ticks(2), 2);
        assert_eq!(timestep(&app), Duration::from_secs_f64(1.0 / 60.0));
        assert_eq!(
            app.world().resource::<SimConfig>().tick_seconds(),
            1.0 / 60.0
        );
    }

    #[test]
    fn a_bad_tick_rate_at_run_time_is_refused_and_the_config_keeps_the_old_one() {
        let mut app = test_app(SimPlugin::default().fast_forward(1));
        app.run_sim_ticks(1);
        for bad in [0.0, f64::NAN, 1e9] {
            app.world_mut().resource_mut::<SimConfig>().tick_rate = bad;
            assert_eq!(app.run_sim_ticks(2), 2, "rate {bad}");
            let config = app.world().resource::<SimConfig>();
            assert_eq!(config.tick_rate, 30.0, "rate {bad}: {config:?}");
            assert_eq!(config.tick_seconds(), (1.0f64 / 30.0) as f32, "rate {bad}");
        }
    }

    #[test]
    fn bad_tick_rates_fall_back_to_sane_values() {
        for (asked, expected) in [(0.0, 1.0), (f64::NAN, 30.0), (1e9, 1000.0), (60.0, 60.0)] {
            let plugin = SimPlugin::default().with_tick_rate(asked);
            assert_eq!(plugin.checked_tick_rate(), expected, "asked {asked}");
        }
    }
}
