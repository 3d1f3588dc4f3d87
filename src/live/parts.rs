//! The replayed state cut into parts for the derived-state cache: the small parts at once, and
//! every per-server vector (and the journal index's lines) in chunks, each with its own BLAKE3,
//! read back only when a lookup wants one (`OnDemand`). Times are nanoseconds: exact, and
//! quick to read back.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{JournalIndex, OnDemand};
use crate::rules::State;
use crate::rules::meeting::Meeting;
use crate::rules::replay::{Opened, Progress, Request, SignOffRecord};
use crate::store::CacheRead;

/// A chunk ends once it holds this many bytes: a record about one server decodes about this
/// much of each vector, however much the journal says about some servers (a lab server's
/// checkouts) and little about others.
const CHUNK_BYTES: usize = 8 << 10;
/// And once it holds this many elements (a few under test, so that the sample's servers fall
/// in different chunks). Each chunk says where it starts.
const SERVERS_PER_CHUNK: usize = if cfg!(test) { 3 } else { 1024 };
const LINES_PER_CHUNK: usize = if cfg!(test) { 8 } else { 4096 };

/// Where one chunk is in the cache body, and its BLAKE3.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Span {
    /// The first element it holds.
    first: u64,
    at: u64,
    len: u64,
    sum: [u8; 32],
}

/// The chunks of each per-server vector, of each rollout's members, of the journal's lines.
#[derive(Serialize, Deserialize)]
pub struct Chunks {
    servers: Vec<Span>,
    history: Vec<Span>,
    last_backup: Vec<Span>,
    last_install: Vec<Span>,
    previous_levels: Vec<Span>,
    members: Vec<Vec<Span>>,
    lines: Vec<Span>,
    /// The server indices in name order, then where each sorted name starts, then the names.
    names: Span,
}

/// A rollout's progress but its members (those are chunked). Each field is `Progress`'s.
#[derive(Serialize)]
pub struct ProgressRef<'a> {
    opened: &'a [Option<Opened>],
    current: Option<usize>,
    extra_days: &'a [u32],
    signoffs: &'a [Vec<SignOffRecord>],
    checked: &'a [Vec<(String, u32)>],
    requests: &'a [Request],
    backed_out: &'a [u32],
}

#[derive(Deserialize)]
pub struct ProgressHead {
    opened: Vec<Option<Opened>>,
    current: Option<usize>,
    extra_days: Vec<u32>,
    signoffs: Vec<Vec<SignOffRecord>>,
    checked: Vec<Vec<(String, u32)>>,
    requests: Vec<Request>,
    backed_out: Vec<u32>,
}

/// The journal index but its lines.
#[derive(Serialize, Deserialize)]
pub struct JournalHead {
    operators: Vec<String>,
    end: u64,
    line_count: usize,
    seq: u64,
    sum: String,
    #[serde(with = "chrono::serde::ts_nanoseconds_option")]
    last_at: Option<DateTime<Utc>>,
    lines: usize,
}

/// Everything but the chunks: decoded at once.
#[derive(Serialize, Deserialize)]
pub struct StateHead<P> {
    servers: usize,
    progress: Vec<P>,
    meeting: Option<Meeting>,
    journal: JournalHead,
    chunks: Chunks,
}

impl<P> StateHead<P> {
    /// Where the servers' chunk `c` is in the body.
    #[cfg(test)]
    pub fn servers_chunk(&self, c: usize) -> (u64, u64) {
        (self.chunks.servers[c].at, self.chunks.servers[c].len)
    }

    /// Where the histories' chunk `c` is in the body.
    #[cfg(test)]
    pub fn history_chunk(&self, c: usize) -> (u64, u64) {
        (self.chunks.history[c].at, self.chunks.history[c].len)
    }
}

mod write;
pub use write::{Body, write};

/// A state's `history` and `previous_levels`, read when wanted.
pub type PerServer = (OnDemand<Vec<u32>>, OnDemand<Vec<(String, u8)>>);

/// Reads the chunks back from a cache whose body starts at `base`.
#[derive(Clone)]
pub struct Reader {
    pub file: Arc<dyn CacheRead>,
    pub base: u64,
    /// Set by any chunk that does not match its sum.
    pub damaged: Arc<AtomicBool>,
}

impl Reader {
    fn bytes(&self, span: &Span) -> Option<std::borrow::Cow<'_, [u8]>> {
        let bytes = self.file.read_at(self.base.checked_add(span.at)?, usize::try_from(span.len).ok()?)?;
        (blake3::hash(&bytes).as_bytes() == &span.sum).then_some(bytes)
    }

    fn field<T: Clone + Default + 'static>(
        &self,
        spans: Vec<Span>,
        n: usize,
        decode: fn(&[u8], &mut Vec<T>) -> Option<()>,
    ) -> Option<OnDemand<T>> {
        let starts = spans.iter().map(|s| usize::try_from(s.first).ok()).collect::<Option<Vec<_>>>()?;
        let reader = self.clone();
        let fetch = Arc::new(move |c: usize, out: &mut Vec<T>| decode(&reader.bytes(spans.get(c)?)?, out));
        OnDemand::pending(n, starts, fetch, self.damaged.clone())
    }

    /// The state and journal index from their head, every chunk left to read when wanted;
    /// `None` if they do not fit together.
    pub fn state(&self, head: StateHead<ProgressHead>) -> Option<(State, JournalIndex)> {
        let StateHead { servers: n, progress, meeting, journal: j, chunks } = head;
        let times = |b: &[u8], out: &mut Vec<Option<DateTime<Utc>>>| -> Option<()> {
            let n: Vec<Option<i64>> = postcard::from_bytes(b).ok()?;
            out.extend(n.into_iter().map(|t| t.map(DateTime::from_timestamp_nanos)));
            Some(())
        };
        let members = chunks.members.into_iter().map(|spans| self.field(spans, n, extend));
        let progress = (progress.into_iter().zip(members))
            .map(|(p, members)| {
                Some(Progress {
                    opened: p.opened,
                    current: p.current,
                    extra_days: p.extra_days,
                    signoffs: p.signoffs,
                    checked: p.checked,
                    members: members?,
                    requests: p.requests,
                    backed_out: p.backed_out,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let (by_name, names) = self.names(&chunks.names, n)?;
        let state = State {
            servers: self.field(chunks.servers, n, extend)?,
            by_name,
            progress,
            history: self.field(chunks.history, n, extend)?,
            last_backup: self.field(chunks.last_backup, n, times)?,
            last_install: self.field(chunks.last_install, n, times)?,
            previous_levels: self.field(chunks.previous_levels, n, extend)?,
            names: crate::rules::replay::NameIndex::sorted(names),
            meeting,
        };
        let mut journal = JournalIndex::default();
        journal.lines = self.field(chunks.lines, j.lines, lines)?;
        journal.operators = j.operators;
        journal.end = j.end;
        journal.line_count = j.line_count;
        journal.seq = j.seq;
        journal.sum = j.sum;
        journal.last_at = j.last_at;
        Some((state, journal))
    }

    /// Each server's history and the levels its installs replaced, to read one chunk at a time
    /// when wanted (a server's view, a back-out). Every chunk's sum is checked now (read, not
    /// decoded): a cache that does not read back is refused here, as when it is read whole.
    pub fn per_server_when_wanted<P>(&self, head: &StateHead<P>) -> Option<PerServer> {
        let Chunks { history, previous_levels, .. } = &head.chunks;
        let sound = |spans: &[Span]| spans.iter().all(|s| self.bytes(s).is_some());
        if !(sound(history) && sound(previous_levels)) {
            return None;
        }
        let history = self.field(history.clone(), head.servers, extend)?;
        Some((history, self.field(previous_levels.clone(), head.servers, extend)?))
    }

    /// The server indices in name order, and the sorted names as one block.
    fn names(&self, span: &Span, n: usize) -> Option<(Vec<u32>, crate::rules::replay::SortedNames)> {
        let block = self.bytes(span)?;
        let words = |b: &[u8]| -> Vec<u32> {
            b.chunks_exact(4).map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]])).collect()
        };
        let (order, rest) = block.split_at_checked(4 * n)?;
        let (starts, names) = rest.split_at_checked(4 * (n + 1))?;
        let (order, starts) = (words(order), words(starts));
        let fits = order.iter().all(|&i| (i as usize) < n)
            && starts.windows(2).all(|w| w[0] <= w[1])
            && starts.last().is_some_and(|&end| end as usize == names.len());
        fits.then(|| (order, crate::rules::replay::SortedNames::new(starts, names.to_vec())))
    }
}

/// A chunk of the journal's lines, decoded as postcard encodes them (`LineRef`'s fields in
/// order: varints but `kind`, a byte) without serde: a million lines are read at every start.
fn lines(bytes: &[u8], out: &mut Vec<crate::model::LineRef>) -> Option<()> {
    fn varint(bytes: &mut &[u8]) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = bytes.split_first()?;
            *bytes = rest;
            value |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b < 0x80 {
                return Some(value);
            }
        }
        None
    }
    let mut bytes = bytes;
    let n = usize::try_from(varint(&mut bytes)?).ok()?;
    out.reserve(n.min(bytes.len()));
    for _ in 0..n {
        let pos = varint(&mut bytes)?;
        let server = u32::try_from(varint(&mut bytes)?).ok()?;
        let (&kind, rest) = bytes.split_first()?;
        bytes = rest;
        let by = u16::try_from(varint(&mut bytes)?).ok()?;
        let sum = varint(&mut bytes)?;
        out.push(crate::model::LineRef::new(pos, server, kind, by, sum));
    }
    Some(())
}

/// A chunk decoded straight onto the end of `out` (as postcard decodes a `Vec`), so a whole
/// read moves nothing twice.
fn extend<T: for<'de> Deserialize<'de>>(bytes: &[u8], out: &mut Vec<T>) -> Option<()> {
    use serde::de::DeserializeSeed;
    let mut de = postcard::Deserializer::from_bytes(bytes);
    Extend(out).deserialize(&mut de).ok()
}

struct Extend<'a, T>(&'a mut Vec<T>);

impl<'de, T: Deserialize<'de>> serde::de::DeserializeSeed<'de> for Extend<'_, T> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Extend<'_, T> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a chunk of a vector")
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.reserve(seq.size_hint().unwrap_or(0).min(1 << 16));
        while let Some(item) = seq.next_element()? {
            self.0.push(item);
        }
        Ok(())
    }
}
