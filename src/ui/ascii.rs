//! `--ascii`: a stand-in for every symbol the dashboard draws, for the Linux console and
//! fonts without ✓ ✗ ▶ ▾ ●. Applied to the whole frame at the end of a draw, so no view can
//! forget it and no symbol reaches such a terminal.

use ratatui::buffer::Buffer;

/// The ASCII stand-in of a symbol; `None` for what may stay (ASCII, letters of any script).
pub fn stand_in(c: char) -> Option<char> {
    if c.is_ascii() || c.is_alphabetic() {
        return None;
    }
    Some(match c {
        '✓' | '✔' => '+',
        '✗' | '✘' | '×' => 'x',
        '▶' | '▸' | '►' | '→' => '>',
        '◀' | '◂' | '←' => '<',
        '▾' | '▼' | '↓' => 'v',
        '▴' | '▲' | '↑' => '^',
        '●' | '•' => '*',
        '…' => '~',
        '·' => '.',
        '│' | '║' | '┃' => '|',
        '─' | '━' | '═' => '-',
        '┌' | '┐' | '└' | '┘' | '├' | '┤' | '┬' | '┴' | '┼' | '╭' | '╮' | '╰' | '╯' => '+',
        '⚑' | '⚠' => '!',
        '█' | '▌' | '▐' => '#',
        '▒' => '=',
        _ => '?',
    })
}

/// Replace every symbol in `buffer` with its stand-in.
pub fn frame(buffer: &mut Buffer) {
    for cell in buffer.content.iter_mut() {
        let symbol = cell.symbol();
        if symbol.is_ascii() {
            continue;
        }
        let replaced: String = symbol.chars().map(|c| stand_in(c).unwrap_or(c)).collect();
        if replaced != symbol {
            cell.set_symbol(&replaced);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_symbol_has_an_ascii_stand_in_and_letters_stay() {
        for c in ['✓', '✗', '▶', '▾', '●', '…', '·', '│', '─', '┌', '⚑', '█', '↓'] {
            assert!(stand_in(c).is_some_and(|s| s.is_ascii()), "{c}");
        }
        assert_eq!(stand_in('é'), None, "a letter is not a symbol");
        assert_eq!(stand_in('a'), None);
    }
}
