//! Percentiles of tick times.

/// The `p`-th percentile (0 to 100) of `sorted` by the nearest-rank method; 0 when empty.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles_are_exact() {
        let series: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&series, 50.0), 50.0);
        assert_eq!(percentile(&series, 95.0), 95.0);
        assert_eq!(percentile(&series, 99.0), 99.0);
        assert_eq!(percentile(&series, 100.0), 100.0);
        assert_eq!(percentile(&series, 0.0), 1.0);
        assert_eq!(percentile(&[4.0, 8.0], 50.0), 4.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
    }
}
