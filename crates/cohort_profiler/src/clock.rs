//! A cheap stopwatch: the CPU's time-stamp counter where there is one, `Instant` elsewhere.
//!
//! `Instant::now` costs about 25 ns on this project's 2-core machine; `rdtsc` about 10 ns.
//! A system run reads the clock twice, so that difference is a third of the profiler's
//! per-run budget. The counter is converted to nanoseconds with a rate measured once
//! against `Instant`; a run starts and ends on one thread, so counters need not agree
//! across cores.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Nanoseconds per counter tick, measured once.
static NANOS_PER_TICK: OnceLock<f64> = OnceLock::new();

/// Measures the counter's rate (a few milliseconds, once per process).
pub(crate) fn calibrate() -> f64 {
    *NANOS_PER_TICK.get_or_init(measure_rate)
}

/// A point in time, in counter ticks.
#[derive(Clone, Copy)]
pub(crate) struct Stamp(u64);

impl Stamp {
    #[inline]
    pub(crate) fn now() -> Self {
        Self(counter())
    }

    /// Nanoseconds from this stamp to now.
    #[inline]
    pub(crate) fn elapsed_nanos(self) -> u64 {
        let ticks = counter().saturating_sub(self.0);
        let rate = NANOS_PER_TICK.get().copied().unwrap_or(1.0);
        (ticks as f64 * rate) as u64
    }
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn counter() -> u64 {
    // SAFETY: `rdtsc` exists on every x86_64 processor and has no preconditions.
    unsafe { core::arch::x86_64::_rdtsc() }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn counter() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

fn measure_rate() -> f64 {
    if cfg!(not(target_arch = "x86_64")) {
        return 1.0;
    }
    let (start_instant, start_ticks) = (Instant::now(), counter());
    while start_instant.elapsed() < Duration::from_millis(5) {
        core::hint::spin_loop();
    }
    let (nanos, ticks) = (start_instant.elapsed().as_nanos(), counter() - start_ticks);
    if ticks == 0 {
        1.0
    } else {
        nanos as f64 / ticks as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_measures_a_sleep() {
        calibrate();
        let stamp = Stamp::now();
        std::thread::sleep(Duration::from_millis(3));
        let nanos = stamp.elapsed_nanos();
        assert!((3_000_000..30_000_000).contains(&nanos), "{nanos} ns");
    }
}
