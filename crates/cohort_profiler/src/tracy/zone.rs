//! A Tracy zone per system run, with one static source location per system: Tracy reads
//! the location once, by address, so a run costs a queue write, not a fresh allocation
//! and name transfer (what tracing-tracy's spans cost, about 1 µs each).

use std::ffi::{CString, c_char};

use tracy_client::sys;

use crate::cell::SystemIdentity;

/// The source location of one system's zone. Built once, when the system is wrapped,
/// and never freed: Tracy may ask for it by address at any time while the app lives.
pub(crate) struct SystemZone(&'static sys::___tracy_source_location_data);

// SAFETY: the location and its strings are immutable and live for the rest of the
// process; Tracy only reads them.
unsafe impl Send for SystemZone {}
// SAFETY: as above.
unsafe impl Sync for SystemZone {}

impl SystemZone {
    pub(crate) fn new(identity: &SystemIdentity) -> Self {
        let name = leak_c_string(&identity.name);
        let location = Box::leak(Box::new(sys::___tracy_source_location_data {
            name,
            function: name,
            // Tracy shows the file beside the name: the schedule says where the system runs.
            file: leak_c_string(&identity.schedule),
            line: 0,
            color: 0,
        }));
        Self(location)
    }

    /// Begins the zone on this thread; it ends when the guard drops, on the same thread.
    #[inline]
    pub(crate) fn enter(&self) -> ZoneGuard {
        // SAFETY: the location is 'static; Tracy's client is running (the plugin starts
        // it before any system runs, and it lives as long as the process).
        ZoneGuard(unsafe { sys::___tracy_emit_zone_begin(self.0, 1) })
    }
}

/// A zone in flight.
pub(crate) struct ZoneGuard(sys::___tracy_c_zone_context);

impl Drop for ZoneGuard {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the context came from `___tracy_emit_zone_begin` on this thread (the
        // guard is neither Send nor moved across a system run).
        unsafe { sys::___tracy_emit_zone_end(self.0) }
    }
}

fn leak_c_string(text: &str) -> *const c_char {
    let text = CString::new(text.replace('\0', " ")).unwrap_or_default();
    text.into_raw().cast_const()
}
