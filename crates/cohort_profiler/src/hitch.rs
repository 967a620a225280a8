//! The slowest recent hitch, frozen with its per-system breakdown.

use crate::records::{FrameRecord, SystemTotals};

/// A frame slower than `hitch_factor` × the median, kept with what every system did in it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HitchSnapshot {
    /// The frame.
    pub frame: FrameRecord,
    /// The window's median frame time when it happened, in nanoseconds.
    pub median_nanos: u64,
    /// `(index into Profiler::systems, figures in that frame)` of every system that ran,
    /// slowest first.
    pub systems: Vec<(usize, SystemTotals)>,
}
