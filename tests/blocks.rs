//! The store of decoded journal blocks (`store::blocks`): a read that takes blocks from it
//! hands on exactly what decoding the journal's text does, event for event, and refuses
//! exactly what that refuses; a damaged or misplaced block is decoded again, never used.

use std::path::Path;

use sprout::model::Entry;
use sprout::store::blocks::Blocks;
use sprout::store::journal::{self, Start, Torn};
use sprout::store::parse::Located;
use sprout::store::scan::scan_with;

type Scanned = (Vec<(Entry, u64, u64, usize)>, Result<(Start, Option<Torn>), Located>);

/// Small blocks, so a journal of a few thousand lines spans dozens of them.
const BLOCK: usize = 64 << 10;

fn generated() -> String {
    let now = "2026-11-24T12:00:00Z".parse().expect("time");
    let files = sprout::synthetic::generate(300, 6000, now).expect("generate");
    let (_, text) = files.into_iter().find(|(n, _)| *n == "journal.ron").expect("a journal");
    text
}

fn from_text(text: &[u8]) -> Scanned {
    let mut seen = Vec::new();
    let result = journal::scan(text, Start::default(), |e, b, en, l| seen.push((e, b, en, l)));
    (seen, result)
}

/// A read through the blocks kept in `folder`, and how many blocks it took from there and
/// decoded from the text.
fn through(folder: &Path, text: &[u8]) -> (Scanned, (usize, usize)) {
    let blocks = Blocks::at(folder);
    let mut seen = Vec::new();
    let result = scan_with(text, Start::default(), 3, BLOCK, Some(&blocks), |e, b, en, l| seen.push((e, b, en, l)));
    blocks.keep_met();
    ((seen, result), blocks.counts())
}

fn same(what: &str, a: &Scanned, b: &Scanned) {
    assert_eq!(a.1, b.1, "{what}: the same outcome");
    assert_eq!(a.0.len(), b.0.len(), "{what}: as many events");
    assert!(a.0 == b.0, "{what}: the same events, offsets and line numbers, in the same order");
}

fn kept(folder: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(folder).expect("folder").map(|e| e.expect("entry").path()).collect();
    files.sort();
    files
}

#[test]
fn kept_blocks_read_as_the_text_does_event_for_event() {
    let text = generated();
    assert!(text.len() > 10 * BLOCK, "{} bytes: enough for many blocks", text.len());
    let home = tempfile::tempdir().expect("tempdir");
    let folder = home.path().join("blocks");
    let expected = from_text(text.as_bytes());
    assert_eq!(expected.0.len(), 6000, "{:?}", expected.1);

    let (first, (used, decoded)) = through(&folder, text.as_bytes());
    same("decoded and kept", &expected, &first);
    assert_eq!(used, 0, "nothing kept before");
    assert_eq!(kept(&folder).len(), decoded, "every block decoded is kept");

    let (again, (used, decoded)) = through(&folder, text.as_bytes());
    same("taken from the kept blocks", &expected, &again);
    assert_eq!(decoded, 0, "every block was kept");
    assert!(used > 10, "{used} blocks");

    // A journal that changed at its end: the blocks before are taken, the last decoded, and
    // the old last block removed.
    let cut = text.len() - 3000;
    let cut = text[..cut].rfind('\n').expect("a line end") + 1;
    let (shorter, (used, decoded)) = through(&folder, &text.as_bytes()[..cut]);
    same("a shorter journal", &from_text(&text.as_bytes()[..cut]), &shorter);
    assert!(decoded >= 1 && used >= 10, "only the changed block is decoded: {used} taken, {decoded} decoded");
    assert_eq!(kept(&folder).len(), used + decoded, "the blocks of the longer journal are gone");
}

#[test]
fn a_damaged_or_planted_block_is_decoded_again_never_used() {
    let text = generated();
    let home = tempfile::tempdir().expect("tempdir");
    let folder = home.path().join("blocks");
    let expected = from_text(text.as_bytes());
    let (_, (_, blocks)) = through(&folder, text.as_bytes());
    let files = kept(&folder);
    assert_eq!(files.len(), blocks);

    // Another block's file under this block's name.
    std::fs::copy(&files[1], &files[4]).expect("plant");
    // A byte changed in the middle of another.
    let mut bytes = std::fs::read(&files[7]).expect("read");
    let at = bytes.len() / 2;
    bytes[at] ^= 0x01;
    std::fs::write(&files[7], &bytes).expect("damage");
    let (read, (used, decoded)) = through(&folder, text.as_bytes());
    same("planted and damaged blocks", &expected, &read);
    assert_eq!((used, decoded), (blocks - 2, 2), "the two were decoded from the journal");

    // Kept again as decoded: the next read takes every block.
    let (read, (used, decoded)) = through(&folder, text.as_bytes());
    same("after", &expected, &read);
    assert_eq!((used, decoded), (blocks, 0));
}

#[test]
fn damage_in_the_journal_is_refused_at_its_line_as_without_kept_blocks() {
    let text = generated();
    let home = tempfile::tempdir().expect("tempdir");
    let folder = home.path().join("blocks");
    let ((_, whole), _) = through(&folder, text.as_bytes());
    whole.expect("the generated journal reads");

    // One character changed in a line in the middle: its block is not the one kept.
    let lines: Vec<&str> = text.lines().collect();
    let target = lines[3000];
    let edited_line = target.replacen("server:\"", "server:\"X", 1);
    assert_ne!(edited_line, target, "the line names a server");
    let edited = text.replacen(target, &edited_line, 1);
    let (read, _) = through(&folder, edited.as_bytes());
    let expected = from_text(edited.as_bytes());
    same("an edited line", &expected, &read);
    let err = read.1.expect_err("refused");
    assert_eq!(err.line, 3001);
    assert!(err.message.contains("checksum mismatch"), "{err}");

    // A line removed: every block after it is cut elsewhere, and the gap is found.
    let mut fewer = lines.clone();
    fewer.remove(4500);
    let removed = fewer.join("\n") + "\n";
    let (read, _) = through(&folder, removed.as_bytes());
    same("a removed line", &from_text(removed.as_bytes()), &read);
    assert!(read.1.expect_err("refused").message.contains("sequence 4502 follows 4500"));

    // A torn last line is set aside as without kept blocks.
    let torn = &text.as_bytes()[..text.len() - 20];
    let (read, _) = through(&folder, torn);
    same("torn", &from_text(torn), &read);
    assert!(read.1.expect("a torn tail is recoverable").1.is_some());
}

/// The blocks' folder is used only when it is a folder of this user's own inside one: a link
/// put in its place (by someone who can write the folder above) would have a start read,
/// write and remove files where it points.
#[test]
fn the_blocks_folder_is_used_only_when_it_is_this_users_own() {
    use sprout::store::dir::files::own_folder;
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().expect("tempdir");
    let cache = home.path().join("cache");
    let folder = cache.join("x.blocks");
    assert!(own_folder(&folder).is_some(), "made, and this user's own");
    let mode = std::fs::metadata(&folder).expect("made").permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);

    // A link in its place, to another folder of this user's holding a file with a block's name.
    let elsewhere = home.path().join("blobs");
    std::fs::create_dir(&elsewhere).expect("folder");
    let precious = elsewhere.join("a".repeat(64));
    std::fs::write(&precious, b"not a block").expect("file");
    std::fs::remove_dir(&folder).expect("remove");
    std::os::unix::fs::symlink(&elsewhere, &folder).expect("link");
    assert!(own_folder(&folder).is_none(), "a link is never used");
    assert_eq!(std::fs::read(&precious).expect("still there"), b"not a block");
    std::fs::remove_file(&folder).expect("unlink");

    // A folder others may write, or one inside a folder others may write.
    std::fs::create_dir(&folder).expect("folder");
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    assert!(own_folder(&folder).is_none(), "writable by others");
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    assert!(own_folder(&folder).is_none(), "inside a folder others may write");
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    assert!(own_folder(&folder).is_some());
}
