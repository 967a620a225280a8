//! Tracy: a zone per system run, frame marks (headless apps too), one secondary frame
//! mark per simulation tick, plots of the profiler's counters, and a message per hitch.

use bevy::app::{App, Last};
use bevy::ecs::schedule::IntoScheduleConfigs;
use std::io::Write;

use bevy::ecs::system::{Local, Res};
use cohort_sim::{SimSchedule, SimSystems};
use tracy_client::{Client, frame_name, plot_name};

use crate::plugin::ProfilerSystems;
use crate::profiler::{Profiler, ProfilerHandle};

mod zone;

pub(crate) use zone::SystemZone;

pub(crate) fn add_tracy(app: &mut App) {
    Client::start();
    app.add_systems(Last, mark_frame.after(ProfilerSystems::Roll))
        .add_systems(SimSchedule, mark_tick.after(SimSystems::Cleanup));
}

/// What [`mark_frame`] has already sent.
#[derive(Default)]
struct Sent {
    hitches: u64,
    frame: Option<u64>,
}

/// Ends Tracy's frame, plots a new frame's counters and reports a new hitch.
fn mark_frame(profiler: Res<Profiler>, mut sent: Local<Sent>) {
    // Frames the profiler did not record (switched off) are not plotted again, and
    // hitches are kept up with while Tracy output is off, so switching it on reports
    // nothing old.
    let new_frame = profiler
        .frames()
        .last()
        .filter(|frame| sent.frame != Some(frame.index));
    let new_hitch = profiler.hitches() > sent.hitches;
    sent.hitches = profiler.hitches();
    if let Some(frame) = new_frame {
        sent.frame = Some(frame.index);
    }
    let Some(client) = Client::running().filter(|_| profiler.tracy_enabled()) else {
        return;
    };
    if let Some(frame) = new_frame {
        if new_hitch {
            send_hitch(&client, frame.ms(), profiler.recent_median_ms());
        }
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
fn mark_tick(handle: Res<ProfilerHandle>) {
    if let Some(client) = Client::running().filter(|_| handle.0.tracy()) {
        client.secondary_frame_mark(frame_name!("sim tick"));
    }
}

/// A Tracy message for a hitch, formatted on the stack: the profiler's own Tracy output
/// allocates nothing from the app's heap (Tracy copies the text into its own).
fn send_hitch(client: &Client, frame_ms: f64, median_ms: f64) {
    let mut buffer = [0u8; 96];
    let mut cursor = std::io::Cursor::new(&mut buffer[..]);
    if write!(
        cursor,
        "hitch: {frame_ms:.2} ms frame (median {median_ms:.2} ms)"
    )
    .is_ok()
    {
        let length = cursor.position() as usize;
        if let Ok(text) = std::str::from_utf8(&buffer[..length]) {
            client.message(text, 0);
        }
    }
}
