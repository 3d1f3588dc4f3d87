//! When a journal line leaves a field out. A line leaves out an empty optional field (its RON
//! text stays short and reads as before); the store of decoded journal blocks
//! (`store::blocks`, postcard) writes every field, since a format without field names cannot
//! tell which were left out. `every_field` switches this thread to that for one encoding.

use std::cell::Cell;

thread_local! {
    static EVERY_FIELD: Cell<bool> = const { Cell::new(false) };
}

/// Run `f` with every field written, on this thread, whatever it holds.
pub fn every_field<T>(f: impl FnOnce() -> T) -> T {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            EVERY_FIELD.set(self.0);
        }
    }
    let _reset = Reset(EVERY_FIELD.replace(true));
    f()
}

fn leaving_out() -> bool {
    !EVERY_FIELD.get()
}

pub fn none<T>(v: &Option<T>) -> bool {
    v.is_none() && leaving_out()
}

pub fn empty_vec<T>(v: &[T]) -> bool {
    v.is_empty() && leaving_out()
}

pub fn empty_string(v: &str) -> bool {
    v.is_empty() && leaving_out()
}
