//! Breaking text into lines that fit a width: between any two Chinese
//! characters, at spaces between words, never before closing punctuation
//! or after opening punctuation (the usual 避头尾 rules).

/// Closing punctuation: never starts a line.
const NO_START: &str = "，。、；：？！）》」』】〕〉”’…·%‰";
/// Opening punctuation: never ends a line.
const NO_END: &str = "（《「『【〔〈“‘";

/// Characters that stand alone for breaking: ideographs, kana, CJK and
/// full-width punctuation, curly quotes.
fn breaks_alone(c: char) -> bool {
    matches!(c as u32,
        0x2018..=0x201F | 0x2026 | 0x2E80..=0x9FFF | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x2FFFF)
}

/// A piece that is never broken inside (unless it alone is wider than a line).
#[derive(Debug, PartialEq)]
struct Piece {
    text: String,
    space_before: bool,
}

fn pieces(text: &str) -> Vec<Piece> {
    let mut raw: Vec<Piece> = Vec::new();
    let mut word = String::new();
    let mut space = false;
    let flush = |word: &mut String, space: &mut bool, raw: &mut Vec<Piece>| {
        if !word.is_empty() {
            raw.push(Piece {
                text: std::mem::take(word),
                space_before: *space,
            });
            *space = false;
        }
    };
    for c in text.chars() {
        if c.is_whitespace() {
            flush(&mut word, &mut space, &mut raw);
            space = true;
        } else if breaks_alone(c) {
            flush(&mut word, &mut space, &mut raw);
            raw.push(Piece {
                text: c.to_string(),
                space_before: space,
            });
            space = false;
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut space, &mut raw);
    // Glue closing punctuation to what comes before it and opening punctuation to what follows.
    let mut out: Vec<Piece> = Vec::new();
    for p in raw {
        let glue = !p.space_before
            && out.last().is_some_and(|last| {
                p.text.chars().next().is_some_and(|c| NO_START.contains(c))
                    || last.text.chars().last().is_some_and(|c| NO_END.contains(c))
            });
        match out.last_mut() {
            Some(last) if glue => last.text.push_str(&p.text),
            _ => out.push(p),
        }
    }
    out
}

/// The width of the widest piece of `text` that is never broken: the
/// narrowest a column can be without cutting a word or a number.
pub(crate) fn widest_piece(text: &str, width: &dyn Fn(&str) -> f32) -> f32 {
    pieces(text)
        .iter()
        .map(|p| width(&p.text))
        .fold(0.0, f32::max)
}

/// Breaks `text` into lines no wider than `first` (the first line) and
/// `rest` (the others), measuring with `width`.
pub(crate) fn break_lines(
    text: &str,
    first: f32,
    rest: f32,
    width: &dyn Fn(&str) -> f32,
) -> Vec<String> {
    let space = width(" ");
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0.0;
    let mut limit = first;
    for p in pieces(text) {
        let w = width(&p.text);
        let gap = if p.space_before && !line.is_empty() {
            space
        } else {
            0.0
        };
        if !line.is_empty() && used + gap + w > limit {
            lines.push(std::mem::take(&mut line));
            used = 0.0;
            limit = rest;
        }
        if line.is_empty() && w > limit {
            // Wider than a line on its own: break it between characters.
            for c in p.text.chars() {
                let cw = width(c.encode_utf8(&mut [0; 4]));
                if !line.is_empty() && used + cw > limit {
                    lines.push(std::mem::take(&mut line));
                    used = 0.0;
                    limit = rest;
                }
                line.push(c);
                used += cw;
            }
            continue;
        }
        if !line.is_empty() && gap > 0.0 {
            line.push(' ');
            used += gap;
        }
        line.push_str(&p.text);
        used += w;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ideographs one unit wide, everything else half.
    fn width(s: &str) -> f32 {
        s.chars()
            .map(|c| if breaks_alone(c) { 1.0 } else { 0.5 })
            .sum()
    }

    #[test]
    fn chinese_breaks_between_characters_but_not_before_commas() {
        let lines = break_lines("全年投入帮扶资金，其中省直单位。", 9.0, 9.0, &width);
        assert_eq!(lines, vec!["全年投入帮扶资金，", "其中省直单位。"]);
        // Never a line starting with 。
        let lines = break_lines("一二三四五六七。八", 7.0, 7.0, &width);
        assert!(lines.iter().all(|l| !l.starts_with('。')), "{lines:?}");
    }

    #[test]
    fn opening_brackets_stay_with_what_follows() {
        let lines = break_lines("一二三四五六（七）", 7.0, 7.0, &width);
        assert!(lines.iter().all(|l| !l.ends_with('（')), "{lines:?}");
    }

    #[test]
    fn english_breaks_at_spaces_and_numbers_stay_whole() {
        let lines = break_lines("Aid funds of 36,200,000 yuan", 8.0, 8.0, &width);
        assert_eq!(lines, vec!["Aid funds of", "36,200,000 yuan"]);
        let lines = break_lines("投入 3,620 万元", 4.0, 4.0, &width);
        assert_eq!(lines, vec!["投入", "3,620 万", "元"]);
    }

    #[test]
    fn the_first_line_may_be_shorter_and_long_words_are_cut() {
        let lines = break_lines("一二三四五六", 2.0, 4.0, &width);
        assert_eq!(lines, vec!["一二", "三四五六"]);
        let lines = break_lines("abcdefgh", 2.0, 2.0, &width);
        assert_eq!(lines, vec!["abcd", "efgh"]);
    }
}
