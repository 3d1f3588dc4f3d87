//! The derived-state cache's body written: every chunk streamed to the file as it is encoded
//! and hashed, never held whole.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{CHUNK_BYTES, Chunks, JournalHead, LINES_PER_CHUNK, ProgressRef, SERVERS_PER_CHUNK, Span, StateHead};
use crate::model::{JournalIndex, OnDemand};
use crate::rules::State;

/// The cache's body as it is written: every chunk streamed to `out`, where it is counted from
/// the body's start (a chunk's `Span::at`).
pub struct Body<'w> {
    out: &'w mut dyn std::io::Write,
    len: u64,
    failed: Option<std::io::Error>,
}

impl<'w> Body<'w> {
    pub fn new(out: &'w mut dyn std::io::Write) -> Body<'w> {
        Body { out, len: 0, failed: None }
    }

    /// `bytes` appended: where they start, or `None` once a write failed.
    fn put(&mut self, bytes: &[u8]) -> Option<u64> {
        if self.failed.is_some() {
            return None;
        }
        match self.out.write_all(bytes) {
            Ok(()) => {
                self.len += bytes.len() as u64;
                Some(self.len - bytes.len() as u64)
            }
            Err(e) => {
                self.failed = Some(e);
                None
            }
        }
    }

    /// What stopped the writing, if anything did.
    pub fn failed(self) -> Option<std::io::Error> {
        self.failed
    }
}

/// The state's head for the cache, its chunks written to `body`.
pub fn write<'a>(state: &'a State, journal: &JournalIndex, body: &mut Body) -> Option<StateHead<ProgressRef<'a>>> {
    let nanos = |v: &'a OnDemand<Option<DateTime<Utc>>>| v.iter().map(|t| t.and_then(|t| t.timestamp_nanos_opt()));
    let chunks = Chunks {
        servers: chunked(body, state.servers.iter(), SERVERS_PER_CHUNK)?,
        history: chunked(body, state.history.iter(), SERVERS_PER_CHUNK)?,
        last_backup: chunked(body, nanos(&state.last_backup), SERVERS_PER_CHUNK)?,
        last_install: chunked(body, nanos(&state.last_install), SERVERS_PER_CHUNK)?,
        previous_levels: chunked(body, state.previous_levels.iter(), SERVERS_PER_CHUNK)?,
        members: (state.progress.iter())
            .map(|p| chunked(body, p.members.iter(), SERVERS_PER_CHUNK))
            .collect::<Option<_>>()?,
        lines: chunked(body, journal.lines.iter(), LINES_PER_CHUNK)?,
        names: names_block(state, body)?,
    };
    let progress = (state.progress.iter())
        .map(|p| ProgressRef {
            opened: &p.opened,
            current: p.current,
            extra_days: &p.extra_days,
            signoffs: &p.signoffs,
            checked: &p.checked,
            requests: &p.requests,
            backed_out: &p.backed_out,
        })
        .collect();
    let journal = JournalHead {
        operators: journal.operators.clone(),
        end: journal.end,
        line_count: journal.line_count,
        seq: journal.seq,
        sum: journal.sum.clone(),
        last_at: journal.last_at,
        lines: journal.lines.len(),
    };
    Some(StateHead { servers: state.servers.len(), progress, meeting: state.meeting.clone(), journal, chunks })
}

/// `items` in chunks of about `CHUNK_BYTES` and at most `most` items, each encoded as postcard
/// encodes a `Vec` of them, written to `body`.
fn chunked<T: Serialize>(body: &mut Body, items: impl Iterator<Item = T>, most: usize) -> Option<Vec<Span>> {
    let (mut spans, mut chunk, mut bytes, mut count, mut first) = (Vec::new(), Vec::new(), Vec::new(), 0, 0);
    let mut flush = |body: &mut Body, chunk: &mut Vec<u8>, count: &mut usize, first: &mut u64| {
        bytes.clear();
        let mut n = *count as u64;
        while n >= 0x80 {
            bytes.push(n as u8 | 0x80);
            n >>= 7;
        }
        bytes.push(n as u8);
        bytes.append(chunk);
        spans.push(span(body, *first, &bytes)?);
        *first += *count as u64;
        *count = 0;
        Some(())
    };
    for item in items {
        chunk = postcard::to_extend(&item, chunk).ok()?;
        count += 1;
        if chunk.len() >= CHUNK_BYTES || count == most {
            flush(body, &mut chunk, &mut count, &mut first)?;
        }
    }
    if count > 0 {
        flush(body, &mut chunk, &mut count, &mut first)?;
    }
    Some(spans)
}

fn span(body: &mut Body, first: u64, bytes: &[u8]) -> Option<Span> {
    let at = body.put(bytes)?;
    Some(Span { first, at, len: bytes.len() as u64, sum: *blake3::hash(bytes).as_bytes() })
}

/// The names block: `n` server indices in name order, `n + 1` starts, the names (all u32 LE),
/// written and hashed a piece at a time (whole, it was 3.5 MB more at 100,000 servers, beside
/// the first rows).
fn names_block(state: &State, body: &mut Body) -> Option<Span> {
    let (at, mut len, mut hasher) = (body.len, 0u64, blake3::Hasher::new());
    let mut piece = Vec::with_capacity(PIECE + 64);
    let mut flush = |piece: &mut Vec<u8>, body: &mut Body| -> Option<()> {
        body.put(piece)?;
        hasher.update(piece);
        len += piece.len() as u64;
        piece.clear();
        Some(())
    };
    for i in state.by_name() {
        piece.extend_from_slice(&(i as u32).to_le_bytes());
        if piece.len() >= PIECE {
            flush(&mut piece, body)?;
        }
    }
    let mut start = 0u32;
    piece.extend_from_slice(&start.to_le_bytes());
    for i in state.by_name() {
        start = start.saturating_add(u32::try_from(state.servers[i].name.len()).unwrap_or(u32::MAX));
        piece.extend_from_slice(&start.to_le_bytes());
        if piece.len() >= PIECE {
            flush(&mut piece, body)?;
        }
    }
    for i in state.by_name() {
        piece.extend_from_slice(state.servers[i].name.as_bytes());
        if piece.len() >= PIECE {
            flush(&mut piece, body)?;
        }
    }
    flush(&mut piece, body)?;
    Some(Span { first: 0, at, len, sum: *hasher.finalize().as_bytes() })
}

/// Bytes of the names block written at a time.
const PIECE: usize = 64 << 10;
