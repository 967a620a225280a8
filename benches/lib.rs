//! Criterion benches for cohort; see `benches/`. What the bench binaries share.

use std::str::FromStr;

/// The number in environment variable `name`, if it is set and parses: the benches' knobs
/// (`AI_BENCH_TICKS=3000`, `EVENTS_THREADS=1`, ...).
pub fn env_number<T: FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok()?.parse().ok()
}
