//! Freed memory given back to the system between the dashboard's phases (the load, the views
//! derived ahead): the C allocator keeps what a phase freed, so the next phase's peak was
//! stacked on the last one's.

/// Return the free pages of every allocator arena to the system (glibc's `malloc_trim`); a
/// no-op elsewhere. Costs a walk of the heap: call it off the keys' path, or once after a load.
pub fn give_back() {
    // SAFETY: malloc_trim only releases free memory the allocator holds; no pointer changes.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    unsafe {
        libc::malloc_trim(0);
    }
}
