//! Nearest-rank quantiles, over sorted values or over bucket counts: the one definition
//! every cohort crate reports percentiles with.

/// The nearest-rank quantile `q` (0 to 1) of a sorted slice: the smallest value that at
/// least `q` of the slice is at or below; `None` when empty.
pub fn nearest_rank<T: Copy>(sorted: &[T], q: f64) -> Option<T> {
    let rank = (q.clamp(0.0, 1.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied()
}

/// The nearest-rank quantile `q` of values counted in ordered buckets: the index of the
/// bucket that holds it; `None` when every count is zero.
pub fn nearest_rank_bucket(counts: impl Iterator<Item = u64> + Clone, q: f64) -> Option<usize> {
    // Saturating: counts loaded from a save may sum past the limit.
    let total = counts.clone().fold(0, u64::saturating_add);
    if total == 0 {
        return None;
    }
    let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
    let mut seen = 0;
    counts.enumerate().find_map(|(index, count)| {
        seen = u64::saturating_add(seen, count);
        (seen >= rank).then_some(index)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_values() {
        let values: Vec<u32> = (1..=100).collect();
        assert_eq!(nearest_rank(&values, 0.95), Some(95));
        assert_eq!(nearest_rank(&values, 0.0), Some(1));
        assert_eq!(nearest_rank(&values, 1.0), Some(100));
        assert_eq!(nearest_rank::<u32>(&[], 0.5), None);
    }

    #[test]
    fn bucket_counts() {
        // 94 in bucket 0, one in bucket 1, five in bucket 7: the 95th is in bucket 1.
        let counts = [94, 1, 0, 0, 0, 0, 0, 5];
        assert_eq!(nearest_rank_bucket(counts.iter().copied(), 0.95), Some(1));
        assert_eq!(nearest_rank_bucket(counts.iter().copied(), 1.0), Some(7));
        assert_eq!(nearest_rank_bucket([0u64, 0].into_iter(), 0.5), None);
    }
}
