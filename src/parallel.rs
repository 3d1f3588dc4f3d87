//! The one helper for parallel work: two halves on two threads (the machines have two cores).
//!
//! Scoped threads, not a pool: each split is one short burst per change, and a pool would keep
//! threads alive in every process for the rare large fleet.

/// Below this many items a second thread costs more than it saves.
pub const MIN_SPLIT: usize = 4096;

/// Run `a` on a second thread and `b` on this one; a panic in either is passed on.
pub fn join<A: Send, B>(a: impl FnOnce() -> A + Send, b: impl FnOnce() -> B) -> (A, B) {
    std::thread::scope(|s| {
        let first = s.spawn(a);
        let second = b();
        (first.join().unwrap_or_else(|e| std::panic::resume_unwind(e)), second)
    })
}

/// `f` over `items` in two halves on two threads when there are at least `MIN_SPLIT` of them;
/// `f` gets the index of its first item. The results come back in order.
pub fn halves<T: Sync, R: Send>(items: &[T], f: impl Fn(usize, &[T]) -> R + Sync) -> Vec<R> {
    if items.len() < MIN_SPLIT {
        return vec![f(0, items)];
    }
    let (a, b) = items.split_at(items.len() / 2);
    let (first, second) = join(|| f(0, a), || f(a.len(), b));
    vec![first, second]
}

/// Run the calling thread (and the threads it starts) at the lowest priority: background work
/// that must never slow a key.
pub fn background() {
    // SAFETY: setpriority on this thread's own id changes nothing but its scheduling.
    #[cfg(target_os = "linux")]
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 19);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_come_back_in_order_with_their_offsets() {
        let items: Vec<usize> = (0..10_000).collect();
        let parts = halves(&items, |from, part| (from, part.len(), part.iter().sum::<usize>()));
        assert_eq!(parts.len(), 2);
        assert_eq!((parts[0].0, parts[1].0), (0, 5_000));
        assert_eq!(parts.iter().map(|p| p.2).sum::<usize>(), items.iter().sum::<usize>());
        assert_eq!(halves(&items[..10], |from, part| (from, part.len())), [(0, 10)], "small input: one thread");
    }

    #[test]
    #[should_panic(expected = "boom")]
    fn a_panic_on_the_second_thread_is_passed_on() {
        let items = [1u8];
        let _ = join(|| assert_eq!(items[0], 0, "boom"), || 1);
    }
}
