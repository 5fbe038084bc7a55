//! The text of a picture: XML escaping that keeps the document parseable
//! whatever a course is called, and a rough width of text in ems to wrap
//! and cut names to their block.

/// Whether XML 1.0 can carry `c` at all: not the C0 controls but tab, line
/// feed and carriage return, and not U+FFFE or U+FFFF. (Rust's `char` has
/// no surrogates, the one other gap.)
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// Unicode noncharacters (U+FDD0–U+FDEF and the last two code points of
/// every plane): legal XML, but meant never to be interchanged.
fn noncharacter(c: char) -> bool {
    let c = u32::from(c);
    (0xfdd0..=0xfdef).contains(&c) || c & 0xfffe == 0xfffe
}

/// Escapes text for XML content and attribute values. Control characters
/// become spaces (course text is one line); characters XML cannot carry
/// (U+FFFE, U+FFFF) and other noncharacters are dropped, so the document
/// always parses.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            c if c.is_control() => escaped.push(' '),
            c if !xml_char(c) || noncharacter(c) => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// The width of `text` in ems, roughly: Hangul, CJK and full-width forms
/// are one em, everything else a little over half.
pub(super) fn width_em(text: &str) -> f32 {
    text.chars()
        .map(|c| {
            let wide = matches!(c as u32,
                0x1100..=0x11FF | 0x3000..=0x303F | 0x3130..=0x318F | 0x4E00..=0x9FFF
                | 0xAC00..=0xD7A3 | 0xFF00..=0xFFEF);
            if wide { 1.0 } else { 0.6 }
        })
        .sum()
}

/// Breaks `text` into at most `max_lines` lines of at most `width` ems; the
/// last line ends in "…" when text is left over.
pub(super) fn wrap(text: &str, width: f32, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        let mut candidate = current.clone();
        candidate.push(c);
        if width_em(&candidate) > width && !current.is_empty() {
            lines.push(std::mem::take(&mut current));
            current.push(c);
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            while !last.is_empty() && width_em(last) + 1.0 > width {
                last.pop();
            }
            last.push('…');
        }
    }
    lines
}

/// `text` cut to at most `width` ems, ending in "…" when cut.
pub(super) fn truncate(text: &str, width: f32) -> String {
    if width_em(text) <= width {
        return text.to_owned();
    }
    let mut cut = String::new();
    for c in text.chars() {
        cut.push(c);
        if width_em(&cut) + 1.0 > width {
            cut.pop();
            break;
        }
    }
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_the_xml_specials() {
        assert_eq!(
            escape(r#"<a & 'b' "c">"#),
            "&lt;a &amp; &apos;b&apos; &quot;c&quot;&gt;"
        );
        assert_eq!(escape("자료\u{0}구조"), "자료 구조");
    }

    #[test]
    fn wrap_breaks_hangul_by_width_and_marks_what_is_cut() {
        assert_eq!(wrap("자료구조", 10.0, 3), ["자료구조"]);
        assert_eq!(
            wrap("자료구조및알고리즘", 4.0, 3),
            ["자료구조", "및알고리", "즘"]
        );
        let cut = wrap("자료구조및알고리즘설계", 4.0, 2);
        assert_eq!(cut.len(), 2);
        assert!(cut[1].ends_with('…'));
    }
}
