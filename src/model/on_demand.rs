//! A vector read back from the derived-state cache in chunks, each decoded the first time one
//! of its elements is looked up (`[i]`, `at`), so a record about one server decodes that
//! server's chunk and not the fleet. Anything that wants every element (`iter`, a slice,
//! `Clone` of the whole, comparison, serialisation, any `Vec` method) decodes them all first,
//! through `Deref`: every rule that reads the whole fleet stays what it was.
//!
//! A chunk that cannot be read back (its sum does not match) is filled with default values and
//! the vector says so (`damaged`): whoever restored it must not trust an answer that used it
//! (the write path loads in full again before it appends).

use std::ops::{Deref, DerefMut, Index, IndexMut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Reads chunk `c` back onto the end of a vector, its sum checked; `None` when it does not
/// match (what it added is then taken off again).
pub type Fetch<T> = Arc<dyn Fn(usize, &mut Vec<T>) -> Option<()> + Send + Sync>;

pub struct OnDemand<T> {
    /// Every element, once decoded (or from the start when not read from a cache); when set it
    /// is the only truth.
    all: OnceLock<Vec<T>>,
    pending: Option<Pending<T>>,
}

struct Pending<T> {
    /// Elements in the cache, and the first of each chunk (ascending from 0).
    stored: usize,
    starts: Arc<[usize]>,
    chunks: Box<[OnceLock<Vec<T>>]>,
    fetch: Fetch<T>,
    /// Pushed since the cache was read, before anything decoded every element.
    appended: Vec<T>,
    damaged: Arc<AtomicBool>,
}

impl<T: Clone + Default> OnDemand<T> {
    /// `stored` elements in chunks that start at `starts` (ascending from 0, each below
    /// `stored`), read back by `fetch`; a chunk that fails sets `damaged`. `None` if `starts`
    /// is not so.
    pub fn pending(stored: usize, starts: Vec<usize>, fetch: Fetch<T>, damaged: Arc<AtomicBool>) -> Option<Self> {
        let ascending = starts.windows(2).all(|w| w[0] < w[1]) && starts.last().is_none_or(|&s| s < stored);
        if !ascending || starts.first().is_some_and(|&s| s != 0) || (starts.is_empty() && stored > 0) {
            return None;
        }
        let chunks = starts.iter().map(|_| OnceLock::new()).collect();
        let pending = Pending { stored, starts: starts.into(), chunks, fetch, appended: Vec::new(), damaged };
        Some(OnDemand { all: OnceLock::new(), pending: Some(pending) })
    }

    pub fn len(&self) -> usize {
        match (self.all.get(), &self.pending) {
            (Some(all), _) => all.len(),
            (None, Some(p)) => p.stored + p.appended.len(),
            (None, None) => 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Element `i`, decoding only its chunk.
    pub fn at(&self, i: usize) -> Option<&T> {
        match (self.all.get(), &self.pending) {
            (Some(all), _) => all.get(i),
            (None, Some(p)) if i < p.stored => {
                let c = p.chunk_of(i);
                p.chunk(c).get(i - p.starts[c])
            }
            (None, Some(p)) => p.appended.get(i - p.stored),
            (None, None) => None,
        }
    }

    /// Element `i` to change, decoding only its chunk.
    pub fn at_mut(&mut self, i: usize) -> Option<&mut T> {
        self.settle();
        if let Some(all) = self.all.get_mut() {
            return all.get_mut(i);
        }
        let p = self.pending.as_mut()?;
        if i >= p.stored {
            return p.appended.get_mut(i - p.stored);
        }
        let c = p.chunk_of(i);
        p.chunk(c);
        let first = p.starts[c];
        p.chunks[c].get_mut().and_then(|chunk| chunk.get_mut(i - first))
    }

    /// Add an element at the end without decoding the others.
    pub fn push(&mut self, value: T) {
        match (self.all.get_mut(), &mut self.pending) {
            (None, Some(p)) => p.appended.push(value),
            _ => self.as_vec_mut().push(value),
        }
    }

    /// Whether a chunk this vector read back did not match its sum.
    pub fn damaged(&self) -> bool {
        self.pending.as_ref().is_some_and(|p| p.damaged.load(Ordering::Relaxed))
    }

    /// Whether every element is decoded.
    pub fn decoded(&self) -> bool {
        self.all.get().is_some()
    }

    /// How many chunks are decoded (every one once `all` is).
    pub fn chunks_decoded(&self) -> usize {
        match (&self.pending, self.all.get()) {
            (Some(p), None) => p.chunks.iter().filter(|c| c.get().is_some()).count(),
            (Some(p), Some(_)) => p.chunks.len(),
            (None, _) => 0,
        }
    }

    /// Every element, decoding what is not yet.
    pub fn as_vec(&self) -> &Vec<T> {
        self.all.get_or_init(|| {
            let Some(p) = &self.pending else { return Vec::new() };
            let mut all = Vec::with_capacity(p.stored + p.appended.len());
            for c in 0..p.chunks.len() {
                match p.chunks[c].get() {
                    Some(chunk) => all.extend_from_slice(chunk),
                    None => p.read_into(c, &mut all),
                }
            }
            all.extend_from_slice(&p.appended);
            all
        })
    }

    /// Every element to change: decoded, and no longer tied to the cache.
    pub fn as_vec_mut(&mut self) -> &mut Vec<T> {
        if self.all.get().is_none()
            && let Some(p) = &mut self.pending
        {
            let mut all = Vec::with_capacity(p.stored + p.appended.len());
            for c in 0..p.chunks.len() {
                match p.chunks[c].take() {
                    Some(chunk) => all.extend(chunk),
                    None => p.read_into(c, &mut all),
                }
            }
            all.append(&mut p.appended);
            let _ = self.all.set(all);
        }
        self.settle();
        self.all.get_mut().expect("set above")
    }

    /// Once every element is decoded, let go of the cache's chunks (and the file they read
    /// from); a damaged vector keeps saying so.
    pub fn settle(&mut self) {
        if self.all.get().is_none() {
            return;
        }
        match &mut self.pending {
            Some(p) if p.damaged.load(Ordering::Relaxed) => {
                if !p.chunks.is_empty() {
                    p.chunks = Box::new([]);
                    p.fetch = Arc::new(|_, _| None);
                }
            }
            _ => self.pending = None,
        }
    }
}

impl<T: Clone + Default> Pending<T> {
    /// The chunk element `i` (below `stored`) is in.
    fn chunk_of(&self, i: usize) -> usize {
        self.starts.partition_point(|&s| s <= i) - 1
    }

    fn chunk(&self, c: usize) -> &Vec<T> {
        self.chunks[c].get_or_init(|| {
            let mut chunk = Vec::new();
            self.read_into(c, &mut chunk);
            chunk
        })
    }

    /// Chunk `c` read back onto the end of `all`, or default values marked damaged.
    fn read_into(&self, c: usize, all: &mut Vec<T>) {
        let want = self.starts.get(c + 1).unwrap_or(&self.stored) - self.starts[c];
        let before = all.len();
        if (self.fetch)(c, all).is_none() || all.len() - before != want {
            all.truncate(before);
            self.damaged.store(true, Ordering::Relaxed);
            all.resize(before + want, T::default());
        }
    }
}

impl<T> From<Vec<T>> for OnDemand<T> {
    fn from(all: Vec<T>) -> Self {
        OnDemand { all: OnceLock::from(all), pending: None }
    }
}

impl<T> Default for OnDemand<T> {
    fn default() -> Self {
        OnDemand::from(Vec::new())
    }
}

impl<T: Clone> Clone for OnDemand<T> {
    fn clone(&self) -> Self {
        OnDemand {
            all: self.all.clone(),
            pending: self.pending.as_ref().map(|p| Pending {
                stored: p.stored,
                starts: p.starts.clone(),
                chunks: p.chunks.clone(),
                fetch: p.fetch.clone(),
                appended: p.appended.clone(),
                damaged: p.damaged.clone(),
            }),
        }
    }
}

impl<T: Clone + Default> Deref for OnDemand<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        self.as_vec()
    }
}

impl<T: Clone + Default> DerefMut for OnDemand<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        self.as_vec_mut()
    }
}

impl<T: Clone + Default> Index<usize> for OnDemand<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        let len = self.len();
        self.at(i).unwrap_or_else(|| panic!("index {i} out of range for a vector of {len}"))
    }
}

impl<T: Clone + Default> IndexMut<usize> for OnDemand<T> {
    fn index_mut(&mut self, i: usize) -> &mut T {
        let len = self.len();
        self.at_mut(i).unwrap_or_else(|| panic!("index {i} out of range for a vector of {len}"))
    }
}

/// A range of elements: every one is decoded first.
macro_rules! index_ranges {
    ($($range:ty),*) => {$(
        impl<T: Clone + Default> Index<$range> for OnDemand<T> {
            type Output = [T];
            fn index(&self, r: $range) -> &[T] {
                &self.as_vec()[r]
            }
        }
    )*};
}
index_ranges!(
    std::ops::Range<usize>,
    std::ops::RangeFrom<usize>,
    std::ops::RangeTo<usize>,
    std::ops::RangeInclusive<usize>,
    std::ops::RangeFull
);

impl<'a, T: Clone + Default> IntoIterator for &'a OnDemand<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_vec().iter()
    }
}

impl<T: Clone + Default + PartialEq> PartialEq for OnDemand<T> {
    fn eq(&self, other: &Self) -> bool {
        self.as_vec() == other.as_vec()
    }
}

impl<T: Clone + Default + std::fmt::Debug> std::fmt::Debug for OnDemand<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.as_vec().fmt(f)
    }
}

impl<T: Clone + Default + Serialize> Serialize for OnDemand<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_vec().serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OnDemand<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::deserialize(d).map(OnDemand::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunked(values: &[u32], per_chunk: usize, bad: Option<usize>) -> (OnDemand<u32>, Arc<AtomicBool>) {
        let values = values.to_vec();
        let damaged = Arc::new(AtomicBool::new(false));
        let starts = (0..values.len()).step_by(per_chunk).collect();
        let n = values.len();
        let fetch: Fetch<u32> = Arc::new(move |c, out| {
            out.extend_from_slice(values.chunks(per_chunk).nth(c).filter(|_| Some(c) != bad)?);
            Some(())
        });
        (OnDemand::pending(n, starts, fetch, damaged.clone()).expect("ascending"), damaged)
    }

    #[test]
    fn a_lookup_decodes_its_chunk_only_and_the_whole_is_the_same() {
        let values: Vec<u32> = (100..110).collect();
        let (mut v, _) = chunked(&values, 4, None);
        assert_eq!((v.len(), v[5], v.chunks_decoded()), (10, 105, 1));
        v[9] += 1;
        v.push(7);
        assert_eq!((v.len(), v.chunks_decoded(), v.decoded()), (11, 2, false));
        let mut want = values.clone();
        want[9] += 1;
        want.push(7);
        assert_eq!(v.iter().copied().collect::<Vec<_>>(), want, "the changed chunk and the pushed one are kept");
        assert!(v.decoded());
        v.as_vec_mut()[0] = 1;
        assert_eq!((v[0], v.len(), v.damaged()), (1, 11, false));
    }

    #[test]
    fn a_chunk_that_does_not_read_back_is_said_to_be_damaged() {
        let values: Vec<u32> = (1..=10).collect();
        let (v, damaged) = chunked(&values, 4, Some(1));
        assert_eq!(v[0], 1);
        assert!(!v.damaged());
        assert_eq!(v[4], 0, "a default stands in");
        assert!(v.damaged() && damaged.load(Ordering::Relaxed));
        assert_eq!(v.iter().copied().collect::<Vec<_>>(), [1, 2, 3, 4, 0, 0, 0, 0, 9, 10]);
    }

    #[test]
    fn chunks_that_do_not_start_in_order_are_not_taken() {
        let fetch: Fetch<u32> = Arc::new(|_, _| None);
        let damaged = Arc::new(AtomicBool::new(false));
        for starts in [vec![0, 5, 5], vec![1, 5], vec![0, 10], vec![]] {
            assert!(OnDemand::pending(10, starts.clone(), fetch.clone(), damaged.clone()).is_none(), "{starts:?}");
        }
        assert!(OnDemand::pending(10, vec![0, 9], fetch, damaged).is_some());
    }
}
