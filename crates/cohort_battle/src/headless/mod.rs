//! The headless battle runner behind `examples/headless.rs`: command-line options, the
//! run loop and the JSON report.
//!
//! Every failure is a [`RunError`] whose `Display` is one line naming what to fix; the
//! example prints it and exits with status 2.

mod args;
mod report;
mod run;

pub use args::{Command, HeadlessArgs, USAGE, parse_args};
pub use report::{EndReport, LedgerReport, RunReport, TickTimes};
pub use run::{
    Progress, RunError, build_battle_app, build_profiled_battle_app, prepare_scenario, run_battle,
};
