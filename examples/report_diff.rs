//! Compares two JSON reports system by system and lists regressions, for CI.
//!
//! ```text
//! cargo run --release --example headless -- --units 10000 --ticks 600 --report before.json
//! # ... change something ...
//! cargo run --release --example headless -- --units 10000 --ticks 600 --report after.json
//! cargo run --release --example report_diff -- before.json after.json --time 10% --min-us 2 --allocs 0.5
//! ```
//!
//! A system regresses when its mean time per run grows by more than `--time` (10%) and by
//! more than `--min-us` (2 us), or its allocations per run grow by more than `--allocs`
//! (0.5). Exit status: 0 no regression, 1 regressions, 2 bad input.

use std::path::Path;
use std::process::ExitCode;

use cohort_profiler::{DiffThresholds, diff_reports, systems_of};

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(regressed) => ExitCode::from(u8::from(regressed)),
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<bool, String> {
    let mut files = Vec::new();
    let mut thresholds = DiffThresholds::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--time" => {
                let text = value("--time")?;
                let percent: f64 = text
                    .trim_end_matches('%')
                    .parse()
                    .ok()
                    .filter(|percent: &f64| percent.is_finite() && *percent >= 0.0)
                    .ok_or(format!("--time {text}: give a percentage such as 10%"))?;
                thresholds.time_fraction = percent / 100.0;
            }
            "--min-us" => thresholds.time_us = number("--min-us", &value("--min-us")?)?,
            "--allocs" => thresholds.allocations = number("--allocs", &value("--allocs")?)?,
            "-h" | "--help" => {
                println!(
                    "usage: report_diff OLD.json NEW.json [--time 10%] [--min-us 2] [--allocs 0.5]"
                );
                return Ok(false);
            }
            _ if arg.starts_with("--") => return Err(format!("unknown option {arg:?}")),
            _ => files.push(arg),
        }
    }
    let [old, new] = files.as_slice() else {
        return Err("give two reports: report_diff OLD.json NEW.json".to_string());
    };
    let (old_systems, new_systems) = (read(old)?, read(new)?);
    let diff = diff_reports(&old_systems, &new_systems, thresholds);
    println!(
        "{} systems compared, {} regressed, {} new, {} gone",
        diff.compared,
        diff.regressions.len(),
        diff.added.len(),
        diff.removed.len()
    );
    for regression in &diff.regressions {
        println!("  REGRESSED {regression}");
    }
    for system in &diff.added {
        println!("  new       {} ({})", system.name, system.schedule);
    }
    for system in &diff.removed {
        println!("  gone      {} ({})", system.name, system.schedule);
    }
    Ok(!diff.regressions.is_empty())
}

fn number(flag: &str, text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|value| value.is_finite() && *value >= 0.0)
        .ok_or(format!("{flag} {text}: give a number of at least 0"))
}

fn read(path: &str) -> Result<Vec<cohort_profiler::ComparedSystem>, String> {
    let text =
        std::fs::read_to_string(Path::new(path)).map_err(|error| format!("{path}: {error}"))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|error| format!("{path}: not JSON: {error}"))?;
    systems_of(&json).map_err(|error| format!("{path}: {error}"))
}
