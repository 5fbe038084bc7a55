//! Course search text and the normalisation that the search index and
//! queries share ([`search_key`], [`index_grams`], [`query_grams`]).

use everytime_common::validate::{self, FieldError};

use super::{limits::QUERY_MAX, semester::Semester};

/// A course search's text: 1–50 characters, no control characters,
/// lowercased the way [`search_key`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText(String);

impl SearchText {
    /// The search text of `q`; blank means no text filter (`None`).
    pub fn parse(value: &str) -> Result<Option<Self>, FieldError> {
        if value.trim().is_empty() {
            return Ok(None);
        }
        let value = validate::line("q", value, 1, QUERY_MAX)?;
        Ok(Some(SearchText(value.to_lowercase())))
    }

    /// The lowercased text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The lowercased fields a search looks in, joined by line breaks (which no
/// field and no query contains).
pub fn search_key(name: &str, professor: &str, code: &str) -> String {
    format!(
        "{}\n{}\n{}",
        name.to_lowercase(),
        professor.to_lowercase(),
        code.to_lowercase()
    )
}

fn gram_token(school_id: i64, semester: &Semester, gram: &str) -> String {
    format!("{school_id}/{semester}/{gram}")
}

/// The index tokens of a course: every character and every pair of
/// neighbouring characters of each lowercased field (never across fields),
/// prefixed with the school and semester, sorted and without repeats.
pub fn index_grams(school_id: i64, semester: &Semester, key: &str) -> Vec<String> {
    let mut grams = std::collections::BTreeSet::new();
    for field in key.split('\n') {
        let chars: Vec<char> = field.chars().collect();
        for (index, c) in chars.iter().enumerate() {
            grams.insert(c.to_string());
            if let Some(next) = chars.get(index + 1) {
                grams.insert(format!("{c}{next}"));
            }
        }
    }
    grams
        .into_iter()
        .map(|gram| gram_token(school_id, semester, &gram))
        .collect()
}

/// The tokens every course matching `q` must have: its one character, or
/// each pair of neighbouring characters. Having them all is necessary, not
/// sufficient ("abab" has the pairs of "aba"), so matches are rechecked
/// against [`search_key`].
pub fn query_grams(school_id: i64, semester: &Semester, q: &SearchText) -> Vec<String> {
    let chars: Vec<char> = q.as_str().chars().collect();
    let mut grams = std::collections::BTreeSet::new();
    if chars.len() == 1 {
        grams.insert(chars[0].to_string());
    }
    for pair in chars.windows(2) {
        grams.insert(format!("{}{}", pair[0], pair[1]));
    }
    grams
        .into_iter()
        .map(|gram| gram_token(school_id, semester, &gram))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_is_lowercased_and_bounded() {
        assert_eq!(SearchText::parse("  ").unwrap(), None);
        assert_eq!(SearchText::parse(" CSE ").unwrap().unwrap().as_str(), "cse");
        assert!(SearchText::parse(&"가".repeat(50)).is_ok());
        assert_eq!(SearchText::parse(&"가".repeat(51)).unwrap_err().field, "q");
        assert_eq!(SearchText::parse("a\nb").unwrap_err().field, "q");
    }

    #[test]
    fn grams_cover_one_and_two_character_queries_without_crossing_fields() {
        let semester = Semester::parse("s", "2026-2").unwrap();
        let key = search_key("자료구조", "Kim", "CSE2010");
        let grams = index_grams(1, &semester, &key);
        let has = |gram: &str| grams.contains(&format!("1/2026-2/{gram}"));
        assert!(has("자") && has("자료") && has("구조") && has("ki") && has("cs"));
        assert!(!has("조k"), "pairs never span two fields");
        for q in ["자", "구조", "자료구조", "kim", "e20"] {
            let q = SearchText::parse(q).unwrap().unwrap();
            let wanted = query_grams(1, &semester, &q);
            assert!(wanted.iter().all(|gram| grams.contains(gram)), "{q:?}");
            assert!(key.contains(q.as_str()));
        }
        let other_school = query_grams(2, &semester, &SearchText::parse("자료").unwrap().unwrap());
        assert!(other_school.iter().all(|gram| !grams.contains(gram)));
    }
}
