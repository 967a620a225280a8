//! `tracy_probe`: capture a running Tracy client and print (or save) a summary.
//!
//! ```text
//! TRACY_NO_EXIT=1 cargo run --release --features tracy --example headless -- --units 2000 --ticks 300 &
//! cargo run --release -p tracy_probe -- --frames 300
//! ```

use std::process::ExitCode;
use std::time::Duration;

use tracy_probe::{CaptureOptions, capture};

const USAGE: &str =
    "usage: tracy_probe [--address HOST:PORT] [--seconds N] [--frames N] [--json PATH]
  --address   the Tracy client (default 127.0.0.1:8086)
  --seconds   stop after this many seconds, connecting included (default 30, at most
              a day)
  --frames    stop once this many frames arrived and the stream went quiet
  --json      also write the summary as JSON to PATH";

/// The longest capture: a day (a deadline past `Instant`'s range would panic).
const MAX_SECONDS: u64 = 24 * 60 * 60;

fn main() -> ExitCode {
    let mut options = CaptureOptions::default();
    let mut json = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        let Some(value) = args.next() else {
            return fail(&format!("{flag} needs a value\n{USAGE}"));
        };
        match flag.as_str() {
            "--address" => options.address = value,
            "--seconds" => match value.parse::<u64>() {
                Ok(seconds) if (1..=MAX_SECONDS).contains(&seconds) => {
                    options.time_limit = Duration::from_secs(seconds);
                }
                _ => {
                    return fail(&format!(
                        "--seconds {value}: give a whole number from 1 to {MAX_SECONDS}"
                    ));
                }
            },
            "--frames" => match value.parse::<u64>() {
                Ok(frames) => options.frame_limit = Some(frames),
                Err(_) => return fail(&format!("--frames {value}: give a whole number")),
            },
            "--json" => json = Some(value),
            _ => return fail(&format!("unknown flag {flag}\n{USAGE}")),
        }
    }
    let summary = match capture(&options) {
        Ok(summary) => summary,
        Err(error) => return fail(&error.to_string()),
    };
    print!("{summary}");
    if let Some(path) = json {
        let written = serde_json::to_string_pretty(&summary)
            .map_err(|error| error.to_string())
            .and_then(|text| std::fs::write(&path, text).map_err(|error| error.to_string()));
        if let Err(error) = written {
            return fail(&format!("writing {path}: {error}"));
        }
    }
    ExitCode::SUCCESS
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}
