//! A fixed-size log-linear histogram of durations, written without locks by one writer.

use core::sync::atomic::{AtomicU32, Ordering::Relaxed};

/// Sub-buckets per power of two: 8 keeps every bucket within 12.5% of its values.
const SUB_BITS: u32 = 3;
const SUB: usize = 1 << SUB_BITS;
/// Values below this many nanoseconds get a bucket each.
const LINEAR: u64 = SUB as u64 * 2;
/// Powers of two covered above `LINEAR`: up to 2^44 ns, about 4.9 hours.
const OCTAVES: usize = 40;
/// How many buckets a histogram has.
pub(crate) const BUCKETS: usize = LINEAR as usize + OCTAVES * SUB;

/// Run times of one system over a whole run. The system's wrapper is the only writer (a
/// system never runs twice at once), so a bucket is bumped with a plain load and store.
pub(crate) struct RunHistogram {
    buckets: [AtomicU32; BUCKETS],
}

impl Default for RunHistogram {
    fn default() -> Self {
        Self {
            buckets: [const { AtomicU32::new(0) }; BUCKETS],
        }
    }
}

impl RunHistogram {
    /// Counts one run of `nanos`. Single writer only.
    #[inline]
    pub(crate) fn record(&self, nanos: u64) {
        let bucket = &self.buckets[bucket_of(nanos)];
        bucket.store(bucket.load(Relaxed).saturating_add(1), Relaxed);
    }

    /// The value at quantile `q` (0..=1), as the upper edge of its bucket, or zero when
    /// empty.
    pub(crate) fn quantile(&self, q: f64) -> u64 {
        let counts = self.buckets.iter().map(|b| u64::from(b.load(Relaxed)));
        cohort_sim::nearest_rank_bucket(counts, q).map_or(0, upper_edge)
    }
}

fn bucket_of(nanos: u64) -> usize {
    if nanos < LINEAR {
        return nanos as usize;
    }
    let octave = 63 - nanos.leading_zeros(); // >= SUB_BITS + 1
    let sub = ((nanos >> (octave - SUB_BITS)) as usize) & (SUB - 1);
    let index = LINEAR as usize + (octave as usize - (SUB_BITS as usize + 1)) * SUB + sub;
    index.min(BUCKETS - 1)
}

/// The largest value that falls in bucket `index`.
fn upper_edge(index: usize) -> u64 {
    if index < LINEAR as usize {
        return index as u64;
    }
    let above = index - LINEAR as usize;
    let octave = (above / SUB) as u32 + SUB_BITS + 1;
    let sub = (above % SUB) as u64;
    let width = 1u64 << (octave - SUB_BITS);
    (1u64 << octave) + (sub + 1) * width - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_their_values_within_an_eighth() {
        for nanos in [
            0,
            1,
            15,
            16,
            17,
            100,
            999,
            1_000,
            65_535,
            1_000_000,
            3_000_000_000,
        ] {
            let edge = upper_edge(bucket_of(nanos));
            assert!(edge >= nanos, "{nanos} above its bucket's edge {edge}");
            assert!(
                edge as f64 <= nanos as f64 * 1.125 + 1.0,
                "{nanos}: edge {edge} too far"
            );
        }
    }

    #[test]
    fn buckets_are_in_order() {
        let mut last = 0;
        for index in 1..BUCKETS {
            assert!(upper_edge(index) > last);
            last = upper_edge(index);
        }
    }

    #[test]
    fn quantiles_of_a_uniform_series() {
        let histogram = RunHistogram::default();
        for micros in 1..=100u64 {
            histogram.record(micros * 1_000);
        }
        let p50 = histogram.quantile(0.5);
        let p95 = histogram.quantile(0.95);
        assert!((50_000..=56_250).contains(&p50), "p50 {p50}");
        assert!((95_000..=106_875).contains(&p95), "p95 {p95}");
        assert_eq!(RunHistogram::default().quantile(0.5), 0);
    }
}
