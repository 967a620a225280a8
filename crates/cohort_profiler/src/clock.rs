//! A cheap stopwatch: the CPU's time-stamp counter where it is invariant, `Instant`
//! elsewhere.
//!
//! `Instant::now` costs about 25 ns on this project's 2-core machine; `rdtsc` about 10 ns.
//! A system run reads the clock twice, so that difference is a third of the profiler's
//! per-run budget. The counter is converted to nanoseconds with a rate measured once
//! against `Instant`. It is used only where CPUID says it is invariant (one rate through
//! frequency and sleep states, kept in step across cores, so a run that moves to another
//! core mid-way is still timed right); elsewhere every stamp is `Instant`'s.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Whether the counter is the time-stamp counter, decided at the first stamp and never
/// again, so that two stamps are always in the same unit.
static USE_TSC: OnceLock<bool> = OnceLock::new();

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

#[inline]
fn counter() -> u64 {
    #[cfg(target_arch = "x86_64")]
    if *USE_TSC.get_or_init(has_invariant_tsc) {
        // SAFETY: `rdtsc` exists on every x86_64 processor and has no preconditions.
        return unsafe { core::arch::x86_64::_rdtsc() };
    }
    instant_nanos()
}

/// Nanoseconds since the first call, by `Instant`.
fn instant_nanos() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// Whether the processor's time-stamp counter is invariant (CPUID leaf `0x8000_0007`,
/// EDX bit 8).
fn has_invariant_tsc() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::__cpuid;
        const POWER_MANAGEMENT: u32 = 0x8000_0007;
        __cpuid(0x8000_0000).eax >= POWER_MANAGEMENT
            && __cpuid(POWER_MANAGEMENT).edx & (1 << 8) != 0
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

fn measure_rate() -> f64 {
    if !*USE_TSC.get_or_init(has_invariant_tsc) {
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

    #[test]
    fn the_time_stamp_counter_is_used_only_where_invariant() {
        let rate = calibrate();
        assert_eq!(USE_TSC.get().copied(), Some(has_invariant_tsc()));
        if !has_invariant_tsc() {
            assert_eq!(rate, 1.0, "Instant's nanoseconds");
        }
    }
}
