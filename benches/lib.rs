//! Criterion benches for cohort; see `benches/`.
