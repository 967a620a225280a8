//! Runs a battle without a window, as fast as the machine allows, and reports on it.
//!
//! ```text
//! cargo run --release --example headless -- --units 10000 --ticks 600 --report a.json
//! ```
//!
//! Bad input (a broken scenario, an unknown option, an absurd count) prints one line that
//! names what to fix and exits with status 2.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use cohort_alloc::CountingAllocator;
use cohort_battle::headless::{Command, Progress, USAGE, parse_args, run_battle};

/// Counts every allocation, so the report can say which system made it.
#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator::system();

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Run(args)) => args,
        Ok(Command::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => return fail(&message),
    };
    let mut bar = ProgressBar::new(args.progress && std::io::stderr().is_terminal());
    match run_battle(&args, |progress| bar.draw(progress)) {
        Ok(report) => {
            bar.clear();
            println!("{}", report.summary());
            if let Some(path) = &args.report {
                println!("report written to {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            bar.clear();
            fail(&error.to_string())
        }
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// A one-line progress bar on stderr, redrawn at most ten times a second.
struct ProgressBar {
    enabled: bool,
    last_draw: Option<Instant>,
}

impl ProgressBar {
    const WIDTH: u64 = 30;

    fn new(enabled: bool) -> Self {
        Self {
            enabled,
            last_draw: None,
        }
    }

    fn draw(&mut self, progress: Progress) {
        if !self.enabled
            || self
                .last_draw
                .is_some_and(|last| last.elapsed() < Duration::from_millis(100))
        {
            return;
        }
        self.last_draw = Some(Instant::now());
        let filled = (progress.tick * Self::WIDTH / progress.limit.max(1)).min(Self::WIDTH);
        let bar: String = (0..Self::WIDTH)
            .map(|i| if i < filled { '#' } else { '-' })
            .collect();
        let mut stderr = std::io::stderr();
        let _ = write!(
            stderr,
            "\r[{bar}] tick {}/{}  {} alive ",
            progress.tick, progress.limit, progress.alive
        );
        let _ = stderr.flush();
    }

    fn clear(&mut self) {
        if self.enabled && self.last_draw.is_some() {
            let _ = write!(std::io::stderr(), "\r{:80}\r", "");
        }
    }
}
