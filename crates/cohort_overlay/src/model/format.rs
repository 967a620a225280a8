//! Formatting of times, counts, bytes and names into reused strings.
//!
//! Every function writes into a `String` the caller keeps between frames, so formatting
//! allocates only while that string grows to its longest value.

use core::fmt::Write as _;

/// Writes a duration given in microseconds with three significant figures and a unit:
/// `0.42 µs`, `12.3 µs`, `456 µs`, `1.23 ms`, `45.6 ms`, `1.23 s`.
pub fn write_duration_us(out: &mut String, us: f64) {
    if !us.is_finite() || us < 0.0 {
        out.push('–');
        return;
    }
    let (value, unit) = if us < 1_000.0 {
        (us, "µs")
    } else if us < 1_000_000.0 {
        (us / 1_000.0, "ms")
    } else {
        (us / 1_000_000.0, "s")
    };
    write_significant(out, value);
    out.push(' ');
    out.push_str(unit);
}

/// Writes milliseconds as [`write_duration_us`] does.
pub fn write_duration_ms(out: &mut String, ms: f64) {
    write_duration_us(out, ms * 1_000.0);
}

/// Writes `value` with three significant figures (no exponent): `0.423`, `4.23`, `42.3`, `423`.
fn write_significant(out: &mut String, value: f64) {
    let decimals = if value == 0.0 {
        0
    } else if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    let _ = write!(out, "{value:.decimals$}");
}

/// Writes a count in full below 10,000 with thousands separators (`1,234`), then
/// shortened: `12.3k`, `456k`, `1.23M`, `4.57G`.
pub fn write_count(out: &mut String, count: u64) {
    if count < 10_000 {
        if count >= 1_000 {
            let _ = write!(out, "{},{:03}", count / 1_000, count % 1_000);
        } else {
            let _ = write!(out, "{count}");
        }
        return;
    }
    let (value, unit) = if count < 1_000_000 {
        (count as f64 / 1e3, 'k')
    } else if count < 1_000_000_000 {
        (count as f64 / 1e6, 'M')
    } else {
        (count as f64 / 1e9, 'G')
    };
    write_significant(out, value);
    out.push(unit);
}

/// Writes a rate such as allocations per run: `0`, `0.05`, `1.5`, `12`, `1,234`.
pub fn write_rate(out: &mut String, value: f64) {
    if !value.is_finite() || value <= 0.0 {
        out.push('0');
    } else if value < 0.1 {
        let _ = write!(out, "{value:.2}");
    } else if value < 10.0 {
        let _ = write!(out, "{value:.1}");
    } else {
        write_count(out, value.round() as u64);
    }
}

/// Writes a byte count in binary units: `512 B`, `1.50 KiB`, `8.39 MiB`, `2.00 GiB`.
pub fn write_bytes(out: &mut String, bytes: i64) {
    if bytes < 0 {
        out.push('-');
    }
    let magnitude = bytes.unsigned_abs();
    if magnitude < 1024 {
        let _ = write!(out, "{magnitude} B");
        return;
    }
    let (value, unit) = if magnitude < 1 << 20 {
        (magnitude as f64 / 1024.0, "KiB")
    } else if magnitude < 1 << 30 {
        (magnitude as f64 / f64::from(1u32 << 20), "MiB")
    } else {
        (magnitude as f64 / f64::from(1u32 << 30), "GiB")
    };
    let _ = write!(out, "{value:.2} {unit}");
}

/// Writes a share (0 to 1) as a percentage: `0.0%`, `4.2%`, `37%`, `100%`.
pub fn write_percent(out: &mut String, share: f64) {
    let percent = if share.is_finite() {
        share.max(0.0) * 100.0
    } else {
        0.0
    };
    if percent < 10.0 {
        let _ = write!(out, "{percent:.1}%");
    } else {
        let _ = write!(out, "{percent:.0}%");
    }
}

/// A system's name as the overlay shows it: the last two path segments of the function
/// and of each type argument (`cohort_battle::systems::act::attack_targets` becomes
/// `act::attack_targets`; `cohort_events::flush::flush_events<cohort_battle::events::Death>`
/// becomes `flush::flush_events<Death>`). Called once per system, when it appears.
pub fn short_system_name(full: &str) -> String {
    let (head, generics) = match full.find('<') {
        Some(open) => (&full[..open], Some(&full[open..])),
        None => (full, None),
    };
    let mut short = String::with_capacity(full.len());
    short.push_str(last_segments(head, 2));
    if let Some(generics) = generics {
        // Each type argument keeps its last segment.
        let mut segment_start = 0;
        for (at, ch) in generics.char_indices() {
            if matches!(
                ch,
                '<' | '>' | ',' | ' ' | '(' | ')' | '&' | '[' | ']' | ';'
            ) {
                short.push_str(last_segments(&generics[segment_start..at], 1));
                short.push(ch);
                segment_start = at + ch.len_utf8();
            }
        }
        short.push_str(last_segments(&generics[segment_start..], 1));
    }
    short
}

/// The last `count` `::`-separated segments of `path`.
fn last_segments(path: &str, count: usize) -> &str {
    let mut start = path.len();
    let mut found = 0;
    while let Some(at) = path[..start].rfind("::") {
        found += 1;
        if found == count {
            return &path[at + 2..];
        }
        start = at;
    }
    path
}

/// Whether `haystack` contains `needle`, ignoring ASCII case, without allocating. An empty
/// needle matches everything.
pub fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let (haystack, needle) = (haystack.as_bytes(), needle.trim().as_bytes());
    if needle.is_empty() {
        return true;
    }
    haystack
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(write: impl FnOnce(&mut String)) -> String {
        let mut out = String::new();
        write(&mut out);
        out
    }

    #[test]
    fn durations_keep_three_figures_and_pick_a_unit() {
        let cases = [
            (0.0, "0 µs"),
            (0.4234, "0.42 µs"),
            (4.234, "4.23 µs"),
            (42.34, "42.3 µs"),
            (423.4, "423 µs"),
            (1_234.0, "1.23 ms"),
            (16_700.0, "16.7 ms"),
            (2_500_000.0, "2.50 s"),
            (-1.0, "–"),
            (f64::NAN, "–"),
        ];
        for (us, expected) in cases {
            assert_eq!(with(|out| write_duration_us(out, us)), expected, "{us} µs");
        }
        assert_eq!(with(|out| write_duration_ms(out, 33.3)), "33.3 ms");
    }

    #[test]
    fn counts_are_grouped_then_shortened() {
        let cases = [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (9_999, "9,999"),
            (10_000, "10.0k"),
            (123_456, "123k"),
            (4_480_000, "4.48M"),
            (7_000_000_000, "7.00G"),
        ];
        for (count, expected) in cases {
            assert_eq!(with(|out| write_count(out, count)), expected, "{count}");
        }
        assert_eq!(with(|out| write_rate(out, 0.0)), "0");
        assert_eq!(with(|out| write_rate(out, 0.05)), "0.05");
        assert_eq!(with(|out| write_rate(out, 1.5)), "1.5");
        assert_eq!(with(|out| write_rate(out, 72.1)), "72");
        assert_eq!(with(|out| write_rate(out, 12_345.0)), "12.3k");
    }

    #[test]
    fn bytes_use_binary_units() {
        assert_eq!(with(|out| write_bytes(out, 512)), "512 B");
        assert_eq!(with(|out| write_bytes(out, 1_536)), "1.50 KiB");
        assert_eq!(with(|out| write_bytes(out, 8_798_424)), "8.39 MiB");
        assert_eq!(with(|out| write_bytes(out, 2 << 30)), "2.00 GiB");
        assert_eq!(with(|out| write_bytes(out, -2_048)), "-2.00 KiB");
    }

    #[test]
    fn percentages() {
        assert_eq!(with(|out| write_percent(out, 0.0)), "0.0%");
        assert_eq!(with(|out| write_percent(out, 0.042)), "4.2%");
        assert_eq!(with(|out| write_percent(out, 0.37)), "37%");
        assert_eq!(with(|out| write_percent(out, f64::NAN)), "0.0%");
    }

    #[test]
    fn writing_into_a_kept_string_stops_allocating() {
        let mut out = String::with_capacity(32);
        let capacity = out.capacity();
        for us in [0.5, 50.0, 5_000.0, 5e6] {
            out.clear();
            write_duration_us(&mut out, us);
            write_count(&mut out, 123_456_789);
        }
        assert_eq!(out.capacity(), capacity);
    }

    #[test]
    fn short_names_keep_the_last_segments() {
        assert_eq!(
            short_system_name("cohort_battle::systems::act::attack_targets"),
            "act::attack_targets"
        );
        assert_eq!(
            short_system_name("cohort_events::flush::flush_events<cohort_battle::events::Death>"),
            "flush::flush_events<Death>"
        );
        assert_eq!(short_system_name("a::b<x::Y, z::W<q::R>>"), "a::b<Y, W<R>>");
        assert_eq!(short_system_name("main"), "main");
    }

    #[test]
    fn filters_ignore_ascii_case() {
        assert!(contains_ignore_ascii_case("act::Attack_Targets", "attack"));
        assert!(contains_ignore_ascii_case("anything", ""));
        assert!(contains_ignore_ascii_case("anything", "  "));
        assert!(!contains_ignore_ascii_case("act::move_units", "attack"));
        assert!(!contains_ignore_ascii_case("ab", "abc"));
    }
}
