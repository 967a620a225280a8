//! `ProfilerPlugin`: wraps every schedule's systems and rolls the figures over each frame.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bevy::app::{App, First, Last, Plugin};
use bevy::ecs::schedule::{IntoScheduleConfigs, SystemSet};
use bevy::log::error;

use crate::attach::{WrappedSystems, wrap_new_systems};
use crate::budgets::Budgets;
use crate::config::ProfilerConfig;
use crate::floor::measure_par_iter_floor;
use crate::profiler::{Profiler, ProfilerHandle, roll_profiler};

/// Measures every system of every schedule: time per run, allocations per run, frame and
/// tick statistics, hitches and budgets. See the [crate docs](crate).
///
/// Allocation figures need [`cohort_alloc::CountingAllocator`] as the global allocator;
/// without it they read zero (and [`Profiler`] says so in its reports).
#[derive(Debug, Clone, Default)]
pub struct ProfilerPlugin {
    /// The settings.
    pub config: ProfilerConfig,
    /// Budgets given in code; a budgets file, when set and good, replaces them.
    pub budgets: Budgets,
}

impl ProfilerPlugin {
    /// Frames in the rolling window (600 by default).
    pub fn window(mut self, frames: usize) -> Self {
        self.config.window = frames.max(1);
        self
    }

    /// Frames before steady state (60 by default).
    pub fn warmup_frames(mut self, frames: u64) -> Self {
        self.config.warmup_frames = frames;
        self
    }

    /// A frame slower than `factor` × the median is a hitch (2 by default).
    pub fn hitch_factor(mut self, factor: f64) -> Self {
        if factor.is_finite() && factor > 1.0 {
            self.config.hitch_factor = factor;
        }
        self
    }

    /// Reads budgets from a RON file at start-up (for example `assets/budgets.ron`).
    pub fn budgets_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config.budgets_path = Some(path.into());
        self
    }

    /// Uses these budgets.
    pub fn budgets(mut self, budgets: Budgets) -> Self {
        self.budgets = budgets;
        self
    }

    /// Starts with measuring switched off (switch on with `Profiler::set_enabled`).
    pub fn disabled(mut self) -> Self {
        self.config.enabled = false;
        self
    }
}

/// The profiler's own systems.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProfilerSystems {
    /// Wrapping systems added since the last frame, in `First` and `Last`.
    Wrap,
    /// The end-of-frame roll-over, in `Last`.
    Roll,
}

impl Plugin for ProfilerPlugin {
    fn build(&self, app: &mut App) {
        let in_code = match self.budgets.validate(Path::new("ProfilerPlugin::budgets")) {
            Ok(()) => self.budgets.clone(),
            Err(error) => {
                error!("{error}; going on without the budgets given in code");
                Budgets::default()
            }
        };
        let budgets = match &self.config.budgets_path {
            Some(path) => Budgets::load(path).unwrap_or_else(|load_error| {
                error!("{load_error}; keeping the budgets given in code");
                in_code
            }),
            None => in_code,
        };
        crate::clock::calibrate();
        let profiler = Profiler::new(self.config.clone(), &budgets);
        app.insert_resource(ProfilerHandle(Arc::clone(&profiler.shared)))
            .insert_resource(profiler)
            .init_resource::<WrappedSystems>()
            .add_systems(First, wrap_new_systems.in_set(ProfilerSystems::Wrap))
            .add_systems(
                Last,
                (
                    wrap_new_systems.in_set(ProfilerSystems::Wrap),
                    roll_profiler.in_set(ProfilerSystems::Roll),
                )
                    .chain(),
            );
        #[cfg(feature = "tracy")]
        crate::tracy::add_tracy(app);
    }

    fn finish(&self, app: &mut App) {
        let floor = measure_par_iter_floor();
        app.world_mut().resource_mut::<Profiler>().par_iter_floor = floor;
        wrap_new_systems(app.world_mut());
    }
}
