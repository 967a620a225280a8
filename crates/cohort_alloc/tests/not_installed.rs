//! A test binary without the counting allocator: `is_installed` says so, even after
//! reading the counts (which claims a counter slot) and allocating.

use std::hint::black_box;

use cohort_alloc::{AllocSnapshot, is_installed, thread_counts};

#[test]
fn without_the_global_allocator_nothing_is_counted_and_is_installed_says_so() {
    let before = thread_counts();
    black_box(vec![0u8; 64]);
    assert_eq!(thread_counts(), before, "nothing counts what it never sees");
    assert!(
        AllocSnapshot::take().threads >= 1,
        "the read claimed a slot"
    );
    assert!(!is_installed());
    assert!(!is_installed(), "the second answer is the first's");
}
