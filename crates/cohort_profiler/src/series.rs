//! Exact statistics of a series of durations: percentiles, maximum, 1% low.

use serde::{Deserialize, Serialize};

/// Statistics of a series of durations, in milliseconds.
///
/// Percentiles use the nearest rank: `p95` is the smallest value that at least 95% of the
/// series is at or below, so it is always one of the measured values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SeriesStats {
    /// How many values.
    pub count: usize,
    /// The mean.
    pub mean_ms: f64,
    /// The median.
    pub p50_ms: f64,
    /// The 95th percentile.
    pub p95_ms: f64,
    /// The 99th percentile.
    pub p99_ms: f64,
    /// The largest value.
    pub max_ms: f64,
    /// Rate at the mean (1000 / mean), frames or ticks per second.
    pub per_second: f64,
    /// "1% low": the rate over the slowest 1% of the series (at least one value).
    pub low_1pct_per_second: f64,
}

impl SeriesStats {
    /// Computes the statistics of `nanos`, sorting it in place (pass a scratch copy).
    pub fn from_nanos(nanos: &mut [u64]) -> Self {
        if nanos.is_empty() {
            return Self::default();
        }
        nanos.sort_unstable();
        let count = nanos.len();
        let sum: u128 = nanos.iter().map(|&n| u128::from(n)).sum();
        let mean = sum as f64 / count as f64;
        let slowest = count.div_ceil(100);
        let slow_sum: u128 = nanos[count - slowest..]
            .iter()
            .map(|&n| u128::from(n))
            .sum();
        let slow_mean = slow_sum as f64 / slowest as f64;
        Self {
            count,
            mean_ms: mean / 1e6,
            p50_ms: ms(nearest_rank(nanos, 0.50)),
            p95_ms: ms(nearest_rank(nanos, 0.95)),
            p99_ms: ms(nearest_rank(nanos, 0.99)),
            max_ms: nanos[count - 1] as f64 / 1e6,
            per_second: rate(mean),
            low_1pct_per_second: rate(slow_mean),
        }
    }
}

pub use cohort_sim::nearest_rank;

fn ms(nanos: Option<u64>) -> f64 {
    nanos.unwrap_or_default() as f64 / 1e6
}

fn rate(mean_nanos: f64) -> f64 {
    if mean_nanos > 0.0 {
        1e9 / mean_nanos
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_one_to_a_hundred_are_exact() {
        let mut series: Vec<u64> = (1..=100).rev().map(|ms| ms * 1_000_000).collect();
        let stats = SeriesStats::from_nanos(&mut series);
        assert_eq!(stats.count, 100);
        assert_eq!(stats.p50_ms, 50.0);
        assert_eq!(stats.p95_ms, 95.0);
        assert_eq!(stats.p99_ms, 99.0);
        assert_eq!(stats.max_ms, 100.0);
        assert_eq!(stats.mean_ms, 50.5);
        assert_eq!(
            stats.low_1pct_per_second, 10.0,
            "slowest 1% is the 100 ms frame"
        );
        assert!((stats.per_second - 1000.0 / 50.5).abs() < 1e-9);
    }

    #[test]
    fn nearest_rank_percentiles_are_exact() {
        let series: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(nearest_rank(&series, 0.50), Some(50.0));
        assert_eq!(nearest_rank(&series, 0.95), Some(95.0));
        assert_eq!(nearest_rank(&series, 0.99), Some(99.0));
        assert_eq!(nearest_rank(&series, 1.0), Some(100.0));
        assert_eq!(nearest_rank(&series, 0.0), Some(1.0));
        assert_eq!(nearest_rank(&[4.0, 8.0], 0.5), Some(4.0));
        assert_eq!(nearest_rank::<f64>(&[], 0.5), None);
    }

    #[test]
    fn small_and_empty_series() {
        assert_eq!(SeriesStats::from_nanos(&mut []), SeriesStats::default());
        let stats = SeriesStats::from_nanos(&mut [4_000_000]);
        assert_eq!((stats.p50_ms, stats.p99_ms, stats.max_ms), (4.0, 4.0, 4.0));
        let stats = SeriesStats::from_nanos(&mut [1, 2, 3, 4]);
        assert_eq!(nearest_rank(&[1, 2, 3, 4], 0.5), Some(2));
        assert_eq!(stats.max_ms, 4e-6);
    }
}
