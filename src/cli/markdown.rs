//! Text from the data made safe inside Markdown: shown visibly (`safe::visible`), then escaped
//! so that no name or note becomes emphasis, a link, raw HTML, a table column or a new block.

/// `text` as literal Markdown inline text, for a list item or a table cell: every character
/// CommonMark or a table gives a meaning is escaped, and what would start a block at the start
/// of an item (a list marker, a heading, a quote, indentation) is too.
pub fn inline(text: &str) -> String {
    let text = crate::safe::visible(text);
    let text = text.trim();
    let mut out = String::with_capacity(text.len() + 8);
    // A leading "-", "+", "=" or "1." / "1)" would start a list or underline a heading.
    if text.starts_with(['-', '+', '=']) {
        out.push('\\');
    }
    let mut leading_digits = true;
    for c in text.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~' | '#' | '!')
            || (leading_digits && matches!(c, '.' | ')') && !out.is_empty())
        {
            out.push('\\');
        }
        leading_digits &= c.is_ascii_digit();
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::inline;

    #[test]
    fn nothing_from_the_data_becomes_markup() {
        assert_eq!(inline("BOS-IMS01: queues normal"), "BOS-IMS01: queues normal");
        assert_eq!(
            inline("a|b *c* _d_ `e` <b>f</b> [g](h) &amp; #1 ~x~"),
            "a\\|b \\*c\\* \\_d\\_ \\`e\\` \\<b\\>f\\</b\\> \\[g\\](h) \\&amp; \\#1 \\~x\\~"
        );
        assert_eq!(inline("- item"), "\\- item");
        assert_eq!(inline("12. point"), "12\\. point");
        assert_eq!(inline("    code"), "code");
        assert_eq!(inline("esc\u{1b}[31m"), "esc\\\\e\\[31m");
        assert_eq!(inline("v1.2"), "v1.2", "a dot after a letter is plain");
    }
}
