//! How an entry writes some of its fields. A line leaves out an empty optional field (its RON
//! text stays short and reads as before); the store of decoded journal blocks
//! (`store::blocks`, postcard) writes every field, since a format without field names cannot
//! tell which were left out. `every_field` switches this thread to that for one encoding.
//! Its time is text in a line, two numbers in the store (`at`).

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

/// An entry's time: as chrono writes it in a line (RFC 3339 text) and in every format meant
/// for people; as seconds and nanoseconds in a binary format (`store::blocks`), exact and
/// quick to read back.
pub mod at {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() { t.serialize(s) } else { (t.timestamp(), t.timestamp_subsec_nanos()).serialize(s) }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        if d.is_human_readable() {
            return DateTime::deserialize(d);
        }
        let (secs, nanos) = <(i64, u32)>::deserialize(d)?;
        DateTime::from_timestamp(secs, nanos).ok_or_else(|| serde::de::Error::custom("a time out of range"))
    }
}
