//! The overlay's settings.

use std::path::PathBuf;

use bevy::ecs::resource::Resource;
use bevy::input::keyboard::KeyCode;

/// How the overlay looks and behaves. Set it on [`OverlayPlugin`](crate::OverlayPlugin);
/// change it at run time through this resource.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct OverlayConfig {
    /// Whether the overlay is shown.
    pub visible: bool,
    /// The key that shows and hides it.
    pub toggle_key: KeyCode,
    /// Opacity of the window's background, from 0.2 to 1.
    pub opacity: f32,
    /// Where the window first appears, in logical pixels from the top left (later moves
    /// are remembered for the session).
    pub default_position: [f32; 2],
    /// Frame-time budget lines on the frame graph, ascending, in milliseconds; frame
    /// figures under the first are green, under the last amber, over it red.
    pub budget_lines_ms: Vec<f64>,
    /// Frames shown in the graphs.
    pub graph_frames: usize,
    /// The systems table and the event figures are refreshed every this many frames.
    pub refresh_every: u32,
    /// Systems listed as top allocators.
    pub top_allocators: usize,
    /// Where the export buttons write `cohort-profile.json`, `cohort-systems.csv` and
    /// `cohort-frames.csv`.
    pub export_dir: PathBuf,
}

impl Default for OverlayConfig {
    fn default() -> Self {
        Self {
            visible: true,
            toggle_key: KeyCode::F3,
            opacity: 0.92,
            default_position: [12.0, 12.0],
            budget_lines_ms: vec![1000.0 / 60.0, 1000.0 / 30.0],
            graph_frames: 300,
            refresh_every: 6,
            top_allocators: 5,
            export_dir: PathBuf::from("."),
        }
    }
}
