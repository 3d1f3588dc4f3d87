//! Freed memory given back to the system between the dashboard's phases (the load, the views
//! derived ahead): the C allocator keeps what a phase freed, so the next phase's peak was
//! stacked on the last one's.

/// Set the C allocator's thresholds once, before any thread starts. glibc adjusts both as a
/// program frees large blocks: after a load of 100,000 servers it gave back no free end of a
/// thread's arena below tens of megabytes, and `malloc_trim` gives back the main arena's end
/// only, so the arenas of the threads that read, decoded and derived (their blocks freed)
/// stayed resident: a dashboard's first start peaked at 160 MB. Now an arena's free end above
/// 1 MB goes back to the system at once, and a block of 4 MB or more (the state's vectors, the
/// journal index, the fleet's rows) is mapped on its own: it grows in place (a vector that
/// doubles touches no more than it holds) and goes back whole when freed.
pub fn policy() {
    // SAFETY: mallopt only sets the allocator's parameters; called before any other thread.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 20);
    }
}

/// Return the free pages of every allocator arena to the system (glibc's `malloc_trim`); a
/// no-op elsewhere. Costs a walk of the heap: call it off the keys' path, or once after a load.
pub fn give_back() {
    // SAFETY: malloc_trim only releases free memory the allocator holds; no pointer changes.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    unsafe {
        libc::malloc_trim(0);
    }
}
