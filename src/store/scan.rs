//! The journal read on every core: its lines taken in order in batches, each batch decoded
//! (RON and checksum) by whichever worker is free, and the decoded lines chained and handed on
//! in journal order on the calling thread. What it returns, refuses and sets aside is exactly
//! what `journal::scan` does on one thread; only the decoding moves.
//!
//! The lines are still read one after another from one reader under a lock (cheap: a `memchr`
//! and a copy), so a line's number, its offsets, the length limit and whether it is the last
//! are decided exactly as the one-thread read decides them. Workers run ahead of the caller by
//! at most `WINDOW` batches, so memory does not grow with the journal.

use std::collections::BTreeMap;
use std::io::{BufRead, Read};

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, mpsc};

use crate::model::Entry;

use super::blocks::{BLOCK_BYTES, Blocks};
use super::journal::{self, MAX_LINE_BYTES, Start, Torn};
use super::parse::Located;

/// Below this many bytes to read, one thread: the workers would cost more than they save.
pub const MIN_PARALLEL_BYTES: u64 = 4 << 20;
/// Bytes of lines in one batch.
const BATCH_BYTES: usize = 256 << 10;
/// Bytes of batches the workers may decode ahead of the one the caller is handing on (at
/// least two batches).
const WINDOW_BYTES: usize = 16 * BATCH_BYTES;
/// Workers at most: more cores than this help little (the caller's own pass is sequential).
const MAX_WORKERS: usize = 4;

/// One line as read, and what decoding made of it.
struct Line {
    /// 1-based line number.
    number: usize,
    begin: u64,
    end: u64,
    /// Ends in a newline (a line without one never finished being written).
    whole: bool,
    /// Nothing follows it in what is read.
    last: bool,
    /// `None`: a blank line, skipped. The link to the line before is checked by the caller.
    decoded: Option<Result<Entry, Located>>,
}

/// Lines read in one go: their bytes end to end, then what decoding made of each.
struct Batch {
    bytes: Vec<u8>,
    lines: Vec<Line>,
    /// Reading stopped after these lines at one that cannot be read (too long, an I/O error).
    failed: Option<Located>,
}

/// The reader and what it has counted, shared by the workers under one lock.
struct Feed<R> {
    reader: R,
    offset: u64,
    lines: usize,
    /// Batches handed out so far (the next one's number).
    taken: usize,
    ended: bool,
    /// Batches handed on and emptied, kept for reuse: a fresh quarter-megabyte buffer per batch
    /// (and its lines) costs the allocator more than the decoding saves.
    spare: Vec<Batch>,
}

/// `journal::scan` with the decoding on up to `MAX_WORKERS` threads when there is enough to
/// read (`size`: the bytes from `start` on, as far as known); else `journal::scan` itself.
/// With `blocks`, the batches are the store's blocks (`store::blocks`): each one kept there is
/// taken from it instead of decoded, and each one decoded is kept.
pub fn scan(
    reader: impl BufRead + Send,
    start: Start,
    size: u64,
    blocks: Option<&Blocks>,
    each: impl FnMut(Entry, u64, u64, usize),
) -> Result<(Start, Option<Torn>), Located> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(MAX_WORKERS);
    if workers < 2 || size < MIN_PARALLEL_BYTES {
        return journal::scan(reader, start, each);
    }
    let batch_bytes = if blocks.is_some() { BLOCK_BYTES } else { BATCH_BYTES };
    scan_with(reader, start, workers, batch_bytes, blocks, each)
}

/// The parallel read with its sizes given (the tests use small batches).
pub fn scan_with(
    reader: impl BufRead + Send,
    start: Start,
    workers: usize,
    batch_bytes: usize,
    blocks: Option<&Blocks>,
    mut each: impl FnMut(Entry, u64, u64, usize),
) -> Result<(Start, Option<Torn>), Located> {
    let window = (WINDOW_BYTES / batch_bytes).max(2);
    let feed =
        Mutex::new(Feed { reader, offset: start.pos, lines: start.lines, taken: 0, ended: false, spare: Vec::new() });
    // How many batches the caller has handed on, and a wake-up for workers waiting on it.
    let handed = AtomicUsize::new(0);
    let (room, stop) = (Condvar::new(), AtomicBool::new(false));
    let (sent, results) = mpsc::channel::<(usize, Batch)>();
    std::thread::scope(|s| {
        for _ in 0..workers {
            let sent = sent.clone();
            let (feed, handed, room, stop) = (&feed, &handed, &room, &stop);
            s.spawn(move || {
                while let Some((number, batch)) = take(feed, handed, room, stop, batch_bytes, window) {
                    if sent.send((number, decode(batch, blocks))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(sent);
        let result = hand_on(start, &results, &handed, &feed, &room, &mut each);
        // Done or refused: the workers stop at their next batch, and none waits for room.
        stop.store(true, Ordering::Relaxed);
        let _guard = feed.lock();
        room.notify_all();
        result
    })
}

/// The next batch of lines and its number, once the window has room; `None` when the reader
/// is done or the caller stopped.
fn take<R: BufRead>(
    feed: &Mutex<Feed<R>>,
    handed: &AtomicUsize,
    room: &Condvar,
    stop: &AtomicBool,
    batch_bytes: usize,
    window: usize,
) -> Option<(usize, Batch)> {
    let mut f = feed.lock().unwrap_or_else(|e| e.into_inner());
    while f.taken >= handed.load(Ordering::Acquire) + window && !stop.load(Ordering::Relaxed) {
        f = room.wait(f).unwrap_or_else(|e| e.into_inner());
    }
    if f.ended || stop.load(Ordering::Relaxed) {
        return None;
    }
    let number = f.taken;
    f.taken += 1;
    Some((number, read_batch(&mut f, batch_bytes)))
}

/// Read whole lines up to about `batch_bytes`, as `journal::scan` reads them one at a time.
fn read_batch<R: BufRead>(f: &mut Feed<R>, batch_bytes: usize) -> Batch {
    let mut batch = f.spare.pop().unwrap_or_else(|| Batch {
        bytes: Vec::with_capacity(batch_bytes + 4096),
        lines: Vec::new(),
        failed: None,
    });
    while batch.bytes.len() < batch_bytes {
        let at = batch.bytes.len();
        let read = match (&mut f.reader).take(MAX_LINE_BYTES as u64 + 1).read_until(b'\n', &mut batch.bytes) {
            Ok(n) => n,
            Err(e) => return failed(f, batch, format!("read failed: {e}")),
        };
        if read > MAX_LINE_BYTES {
            batch.bytes.truncate(at);
            let message =
                format!("the line is longer than the {MAX_LINE_BYTES}-byte limit; restore journal.ron from backup");
            return failed(f, batch, message);
        }
        if read == 0 {
            f.ended = true;
            break;
        }
        f.lines += 1;
        let begin = f.offset;
        f.offset += read as u64;
        let whole = batch.bytes.last() == Some(&b'\n');
        let last = !whole || f.reader.fill_buf().map(|b| b.is_empty()).unwrap_or(false);
        batch.lines.push(Line { number: f.lines, begin, end: f.offset, whole, last, decoded: None });
        if !whole {
            f.ended = true;
            break;
        }
    }
    batch
}

/// Reading stopped at a line that cannot be read: the lines before it are still handed on.
fn failed<R>(f: &mut Feed<R>, mut batch: Batch, message: String) -> Batch {
    f.ended = true;
    batch.failed = Some(Located { file: super::JOURNAL.into(), line: f.lines + 1, col: 1, message });
    batch
}

/// Decode every line of a batch: UTF-8, blank or not, RON and checksum (not the chain); or
/// take the lines from `blocks` when the batch's bytes are kept there.
fn decode(mut batch: Batch, blocks: Option<&Blocks>) -> Batch {
    // Only whole lines, all of them: a block ends where a read of the same bytes would end it.
    let blocks = blocks.filter(|_| batch.failed.is_none() && batch.lines.iter().all(|l| l.whole));
    let key = blocks.map(|_| *blake3::hash(&batch.bytes).as_bytes());
    if let (Some(blocks), Some(key)) = (blocks, &key) {
        let lines = &mut batch.lines;
        if blocks.get(key, lines.len(), |k, entry| lines[k].decoded = entry.map(Ok)) {
            batch.bytes.clear();
            return batch;
        }
    }
    let mut at = 0;
    for line in &mut batch.lines {
        let len = (line.end - line.begin) as usize;
        line.decoded = decode_line(&batch.bytes[at..at + len], line.number);
        at += len;
    }
    batch.bytes.clear();
    if let (Some(blocks), Some(key)) = (blocks, &key) {
        let decoded = (batch.lines.iter())
            .map(|l| match &l.decoded {
                None => Some(None),
                Some(Ok(e)) => Some(Some(e)),
                Some(Err(_)) => None,
            })
            .collect::<Option<Vec<_>>>();
        match decoded {
            Some(lines) => blocks.put(key, &lines),
            None => blocks.decoded_only(),
        }
    }
    batch
}

fn decode_line(raw: &[u8], number: usize) -> Option<Result<Entry, Located>> {
    let text = match std::str::from_utf8(raw) {
        Ok(text) => text,
        Err(e) => {
            return Some(Err(Located {
                file: super::JOURNAL.into(),
                line: number,
                col: e.valid_up_to() + 1,
                message: "not UTF-8 text (a damaged byte?)".into(),
            }));
        }
    };
    let line = text.trim_end_matches('\n');
    if line.trim().is_empty() {
        return None;
    }
    Some(journal::decode(line, number))
}

/// Hand the decoded lines on in journal order, checking each one's link to the one before.
fn hand_on<R>(
    start: Start,
    results: &mpsc::Receiver<(usize, Batch)>,
    handed: &AtomicUsize,
    feed: &Mutex<Feed<R>>,
    room: &Condvar,
    each: &mut impl FnMut(Entry, u64, u64, usize),
) -> Result<(Start, Option<Torn>), Located> {
    let Start { pos: mut offset, lines: mut lineno, mut seq, mut sum } = start;
    let mut early = BTreeMap::new();
    let mut next = 0;
    loop {
        let mut batch = match early.remove(&next) {
            Some(batch) => batch,
            None => loop {
                // Every worker gone and this batch never came: the reader is done.
                let Ok((number, batch)) = results.recv() else {
                    return Ok((Start { pos: offset, lines: lineno, seq, sum }, None));
                };
                if number == next {
                    break batch;
                }
                early.insert(number, batch);
            },
        };
        for line in &mut batch.lines {
            let Some(decoded) = line.decoded.take() else {
                (offset, lineno) = (line.end, line.number);
                continue;
            };
            // The event is checked where it is and moved once, to `each`.
            let mut error = match decoded {
                Ok(e) => match journal::linked(seq, &sum, &e, line.number) {
                    Ok(()) => {
                        seq = e.seq;
                        sum.clone_from(&e.sum);
                        (offset, lineno) = (line.end, line.number);
                        each(e, line.begin, line.end, line.number);
                        continue;
                    }
                    Err(error) => error,
                },
                Err(error) => error,
            };
            // A last line without its newline never finished being written.
            if !line.whole {
                let end = Start { pos: line.begin, lines: line.number - 1, seq, sum };
                return Ok((end, Some((line.number, line.begin as usize, error))));
            }
            error.message.push_str(if line.last {
                "; the last line is damaged although complete: run `sprout verify` and restore journal.ron from backup"
            } else {
                "; the journal is damaged before its end: run `sprout verify`, restore journal.ron from backup, and do not edit it by hand"
            });
            return Err(error);
        }
        if let Some(error) = batch.failed.take() {
            return Err(error);
        }
        next += 1;
        handed.store(next, Ordering::Release);
        // Every line's event was taken above: the batch goes back empty, to be filled again.
        batch.lines.clear();
        let mut f = feed.lock().unwrap_or_else(|e| e.into_inner());
        f.spare.push(batch);
        room.notify_all();
    }
}

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;
