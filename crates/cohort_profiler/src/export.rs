//! Writing the profiler's figures to JSON and CSV: the rolling window or the whole run.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::profiler::Profiler;
use crate::records::FrameRecord;
use crate::report::{ProfileReport, SystemRow, WindowSystemRow};

/// Which frames an export covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportScope {
    /// The rolling window (the last `window` frames).
    Window,
    /// The whole run (up to `run_series_capacity` frames).
    Run,
}

/// A JSON export: the report, plus the per-frame series.
#[derive(Debug, Clone, Serialize)]
pub struct Export {
    /// The per-system table and statistics of the whole run.
    pub report: ProfileReport,
    /// Per-system figures over the window (window exports only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window_systems: Option<Vec<WindowSystemRow>>,
    /// The frames.
    pub frames: Vec<FrameRecord>,
}

impl Profiler {
    /// The figures and the frames of `scope`.
    pub fn export(&self, scope: ExportScope) -> Export {
        let (frames, window_systems) = match scope {
            ExportScope::Window => (self.frames().iter().collect(), Some(self.window_systems())),
            ExportScope::Run => (self.run_series().to_vec(), None),
        };
        Export {
            report: self.report(),
            window_systems,
            frames,
        }
    }

    /// Writes [`Profiler::export`] as pretty JSON to `path`.
    pub fn write_json(&self, scope: ExportScope, path: &Path) -> std::io::Result<()> {
        let json =
            serde_json::to_string_pretty(&self.export(scope)).map_err(std::io::Error::other)?;
        std::fs::write(path, json + "\n")
    }

    /// Writes the per-system table to `systems_path` and the frames of `scope` to
    /// `frames_path`, as CSV.
    pub fn write_csv(
        &self,
        scope: ExportScope,
        systems_path: &Path,
        frames_path: &Path,
    ) -> std::io::Result<()> {
        std::fs::write(systems_path, systems_csv(&self.report().systems))?;
        let frames = match scope {
            ExportScope::Window => frames_csv(self.frames().iter()),
            ExportScope::Run => frames_csv(self.run_series().iter().copied()),
        };
        std::fs::write(frames_path, frames)
    }
}

/// The per-system table as CSV, one header line then one line per system.
pub fn systems_csv(rows: &[SystemRow]) -> String {
    let mut csv = String::from(
        "name,schedule,phase,runs,total_ms,mean_us,p95_us,max_us,allocs_per_run,above_floor_per_run,bytes_per_run,runs_schedules\n",
    );
    for row in rows {
        let _ = writeln!(
            csv,
            "{},{},{},{},{:.3},{:.3},{:.3},{:.3},{:.3},{:.3},{:.1},{}",
            quoted(&row.name),
            quoted(&row.schedule),
            row.phase.as_deref().unwrap_or(""),
            row.runs,
            row.total_ms,
            row.mean_us,
            row.p95_us,
            row.max_us,
            row.allocs_per_run,
            row.above_floor_per_run,
            row.bytes_per_run,
            row.runs_schedules
        );
    }
    csv
}

/// The per-frame series as CSV.
pub fn frames_csv(frames: impl IntoIterator<Item = FrameRecord>) -> String {
    let mut csv = String::from(
        "frame,ms,ticks,allocations,bytes,system_allocations,floor_allocations,live_bytes,system_ms\n",
    );
    for frame in frames {
        let _ = writeln!(
            csv,
            "{},{:.4},{},{},{},{},{},{},{:.4}",
            frame.index,
            frame.ms(),
            frame.ticks,
            frame.allocations,
            frame.bytes,
            frame.system_allocations,
            frame.floor_allocations,
            frame.live_bytes,
            frame.system_nanos as f64 / 1e6
        );
    }
    csv
}

/// A CSV field, quoted when it holds a comma or a quote (system names may, for generics).
fn quoted(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_commas_are_quoted() {
        assert_eq!(quoted("plain::name"), "plain::name");
        assert_eq!(quoted("f<A, B>"), "\"f<A, B>\"");
        assert_eq!(quoted("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn frames_csv_has_a_line_per_frame() {
        let frames = [FrameRecord {
            index: 7,
            nanos: 2_500_000,
            ticks: 1,
            allocations: 3,
            ..FrameRecord::default()
        }];
        let csv = frames_csv(frames);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[1].starts_with("7,2.5000,1,3,"), "{}", lines[1]);
    }
}
