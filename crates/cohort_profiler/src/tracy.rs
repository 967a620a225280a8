//! Tracy: frame marks (headless apps too), one secondary frame mark per simulation tick,
//! and plots of the profiler's counters. Zones come from Bevy's `trace_tracy` spans.

use bevy::app::{App, Last};
use bevy::ecs::schedule::IntoScheduleConfigs;
use bevy::ecs::system::Res;
use bevy::log::LogPlugin;
use cohort_sim::{SimSchedule, SimSystems};
use tracy_client::{Client, frame_name, plot_name};

use crate::plugin::ProfilerSystems;
use crate::profiler::Profiler;

pub(crate) fn add_tracy(app: &mut App) {
    Client::start();
    // Bevy sends its spans to Tracy through the tracing subscriber that `LogPlugin`
    // installs; headless apps built on `MinimalPlugins` have none. Added this late it
    // gives schedule zones and those of systems created from here on: Bevy fixes a
    // system's span when the system is created, so apps add `LogPlugin` first.
    if !app.is_plugin_added::<LogPlugin>() {
        app.add_plugins(LogPlugin::default());
    }
    app.add_systems(Last, mark_frame.after(ProfilerSystems::Roll))
        .add_systems(SimSchedule, mark_tick.after(SimSystems::Cleanup));
}

/// Ends Tracy's frame and plots the frame's counters.
fn mark_frame(profiler: Res<Profiler>) {
    let Some(client) = Client::running() else {
        return;
    };
    if let Some(frame) = profiler.frames().last() {
        client.plot(
            plot_name!("allocations per frame"),
            frame.allocations as f64,
        );
        client.plot(
            plot_name!("allocations by systems"),
            frame.system_allocations as f64,
        );
        client.plot(plot_name!("live heap bytes"), frame.live_bytes as f64);
        client.plot(
            plot_name!("simulation ticks per frame"),
            f64::from(frame.ticks),
        );
    }
    client.frame_mark();
}

/// One mark per simulation tick, in Tracy's secondary frame set "sim tick".
fn mark_tick() {
    if let Some(client) = Client::running() {
        client.secondary_frame_mark(frame_name!("sim tick"));
    }
}
