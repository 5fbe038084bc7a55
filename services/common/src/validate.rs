//! The one shape every text limit of the API takes.
//!
//! Leading and trailing white space is trimmed, lengths count Unicode scalar
//! values (characters), not bytes, and a value that is empty after trimming
//! is invalid. Control characters are refused: [`line`] (names, titles)
//! allows none, [`text`] (bodies, comments) allows only line breaks and tabs.
//! NUL above all must never reach Postgres, which cannot store it in text.
//! Each service wraps this in its own newtypes (`Username`, `PostTitle`,
//! ...), which carry the field name and the bounds.
//!
//! One response names every bad field at once: [`all`] runs a tuple of
//! independent checks and gives back either every value or every error, in
//! the order of the tuple; [`ensure`] turns a plain condition into such a
//! check. [`Violations`] is the same idea for checks that are only known at
//! run time (a loop over items, a check that depends on another's value).

use std::fmt;

/// One field that broke a rule, as it travels in `google.rpc.BadRequest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The request field, as the API names it (`nickname`, `school_id`).
    pub field: String,
    /// What is wrong, for people.
    pub message: String,
}

impl FieldError {
    /// A violation of `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

/// Multi-line text (a post's body, a comment): trims `value` and checks that
/// it holds `min..=max` characters, with no control characters other than
/// line breaks and tabs. With `min == 0` an empty value is allowed.
pub fn text(field: &str, value: &str, min: usize, max: usize) -> Result<String, FieldError> {
    checked(field, value, min, max, |c| matches!(c, '\n' | '\r' | '\t'))
}

/// One line of text (a name, a title, a search): like [`text`], but no
/// control character at all, line breaks included.
pub fn line(field: &str, value: &str, min: usize, max: usize) -> Result<String, FieldError> {
    checked(field, value, min, max, |_| false)
}

fn checked(
    field: &str,
    value: &str,
    min: usize,
    max: usize,
    allowed_control: fn(char) -> bool,
) -> Result<String, FieldError> {
    let trimmed = value.trim();
    let length = trimmed.chars().count();
    if length == 0 && min > 0 {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if length < min || length > max {
        return Err(FieldError::new(field, length_message(min, max)));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && !allowed_control(c))
    {
        let message = if allowed_control('\n') {
            "must not contain control characters other than line breaks and tabs"
        } else {
            "must not contain control characters or line breaks"
        };
        return Err(FieldError::new(field, message));
    }
    Ok(trimmed.to_owned())
}

/// Checks the length of `value` exactly as given (passwords are never
/// trimmed, and never stored, so any character is theirs to use).
pub fn untrimmed(field: &str, value: &str, min: usize, max: usize) -> Result<String, FieldError> {
    let length = value.chars().count();
    if length < min || length > max {
        return Err(FieldError::new(field, length_message(min, max)));
    }
    Ok(value.to_owned())
}

fn length_message(min: usize, max: usize) -> String {
    if min == max {
        format!("must be exactly {min} characters")
    } else if min == 0 {
        format!("must be at most {max} characters")
    } else {
        format!("must be {min} to {max} characters")
    }
}

/// Collects the errors of several independent checks, so one response can
/// name every bad field at once.
#[derive(Debug, Default)]
pub struct Violations(Vec<FieldError>);

impl Violations {
    /// No violations yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value of a passed check, records the error of a failed one.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }

    /// Records a violation directly.
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// `Ok` when every check passed, else every error.
    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

/// Records a violation of `field` unless `condition` holds: a rule that is
/// a condition rather than a parse (`school_id > 0`), as a check for [`all`].
pub fn ensure(condition: bool, field: &str, message: &str) -> Result<(), FieldError> {
    if condition {
        Ok(())
    } else {
        Err(FieldError::new(field, message))
    }
}

/// One check's outcome as [`all`] takes it: a single field error, or several
/// (a page request names both `limit` and `cursor`).
pub trait Check {
    /// The value of a passed check.
    type Value;
    /// The value, or every error of the check.
    fn into_check(self) -> Result<Self::Value, Vec<FieldError>>;
}

impl<T> Check for Result<T, FieldError> {
    type Value = T;
    fn into_check(self) -> Result<T, Vec<FieldError>> {
        self.map_err(|error| vec![error])
    }
}

impl<T> Check for Result<T, Vec<FieldError>> {
    type Value = T;
    fn into_check(self) -> Result<T, Vec<FieldError>> {
        self
    }
}

/// A tuple of checks, for [`all`].
pub trait Checks {
    /// The tuple of their values.
    type Values;
    /// Every value, or every error in the order of the tuple.
    fn all(self) -> Result<Self::Values, Vec<FieldError>>;
}

macro_rules! checks_for_tuples {
    ($(($($check:ident),+))+) => {$(
        impl<$($check: Check),+> Checks for ($($check,)+) {
            type Values = ($($check::Value,)+);
            #[allow(non_snake_case)]
            fn all(self) -> Result<Self::Values, Vec<FieldError>> {
                let ($($check,)+) = self;
                let mut errors = Vec::new();
                $(
                    let $check = match $check.into_check() {
                        Ok(value) => Some(value),
                        Err(mut failed) => {
                            errors.append(&mut failed);
                            None
                        }
                    };
                )+
                match ($($check,)+) {
                    ($(Some($check),)+) if errors.is_empty() => Ok(($($check,)+)),
                    // A check that failed without naming a field still fails.
                    _ if errors.is_empty() => Err(vec![FieldError::new("request", "is invalid")]),
                    _ => Err(errors),
                }
            }
        }
    )+};
}

checks_for_tuples! {
    (A)
    (A, B)
    (A, B, C)
    (A, B, C, D)
    (A, B, C, D, E)
    (A, B, C, D, E, F)
    (A, B, C, D, E, F, G)
    (A, B, C, D, E, F, G, H)
}

/// Runs every check of the tuple and returns all their values, or every
/// error of every failed check (in the tuple's order), so one answer names
/// every bad field:
///
/// ```
/// use everytime_common::validate::{self, FieldError};
/// let (title, body) = validate::all((
///     validate::line("title", " 제목 ", 1, 50),
///     validate::text("content", "본문", 1, 5000),
/// ))?;
/// assert_eq!((title.as_str(), body.as_str()), ("제목", "본문"));
/// # Ok::<(), Vec<FieldError>>(())
/// ```
///
/// Optional fields check with `Option::map(..).transpose()`; a value that
/// needs no check but must hold is [`ensure`]. Up to eight checks.
pub fn all<C: Checks>(checks: C) -> Result<C::Values, Vec<FieldError>> {
    checks.all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_before_it_is_counted() {
        assert_eq!(text("name", "  김철수 \n", 1, 3).as_deref(), Ok("김철수"));
    }

    #[test]
    fn text_counts_characters_not_bytes() {
        // Ten Hangul syllables are thirty bytes but ten characters.
        let ten = "가나다라마바사아자차";
        assert_eq!(ten.len(), 30);
        assert!(text("nickname", ten, 2, 10).is_ok());
        assert!(text("nickname", &format!("{ten}카"), 2, 10).is_err());
    }

    #[test]
    fn text_that_is_only_white_space_is_empty() {
        let error = text("title", " \t ", 1, 100).unwrap_err();
        assert_eq!(error.field, "title");
        assert_eq!(error.message, "must not be empty");
    }

    #[test]
    fn text_below_the_minimum_names_the_bounds() {
        let error = text("nickname", "가", 2, 10).unwrap_err();
        assert_eq!(error.message, "must be 2 to 10 characters");
    }

    #[test]
    fn text_keeps_inner_line_breaks_and_tabs() {
        assert_eq!(
            text("content", " 첫 줄\n\t둘째 줄\r\n", 1, 100).as_deref(),
            Ok("첫 줄\n\t둘째 줄")
        );
    }

    #[test]
    fn text_refuses_nul_and_other_control_characters() {
        for bad in ["a\0b", "a\u{7}b", "a\u{1b}[31mb", "a\u{85}b"] {
            let error = text("content", bad, 1, 100).unwrap_err();
            assert_eq!(error.field, "content", "{bad:?}");
            assert!(error.message.contains("control"), "{bad:?}: {error}");
        }
    }

    #[test]
    fn line_refuses_line_breaks_tabs_and_nul() {
        for bad in ["a\nb", "a\tb", "a\0b", "a\rb"] {
            let error = line("title", bad, 1, 100).unwrap_err();
            assert_eq!(
                error.message,
                "must not contain control characters or line breaks"
            );
        }
        assert_eq!(line("title", "  제목  ", 1, 100).as_deref(), Ok("제목"));
    }

    #[test]
    fn a_zero_minimum_allows_empty_and_names_only_the_maximum() {
        assert_eq!(text("description", "   ", 0, 5).as_deref(), Ok(""));
        let error = text("description", "여섯 글자요", 0, 5).unwrap_err();
        assert_eq!(error.message, "must be at most 5 characters");
    }

    #[test]
    fn untrimmed_keeps_white_space_and_counts_it() {
        assert_eq!(
            untrimmed("password", " pass word ", 8, 128).as_deref(),
            Ok(" pass word ")
        );
        assert!(untrimmed("password", "       ", 8, 128).is_err());
        assert!(untrimmed("password", "        ", 8, 128).is_ok());
    }

    #[test]
    fn violations_collect_every_failed_check() {
        let mut violations = Violations::new();
        assert_eq!(
            violations.check(text("a", "ok", 1, 5)).as_deref(),
            Some("ok")
        );
        assert_eq!(violations.check(text("b", "", 1, 5)), None);
        assert_eq!(violations.check(text("c", "toolong", 1, 5)), None);
        let errors = violations.finish().unwrap_err();
        let fields: Vec<_> = errors.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(fields, ["b", "c"]);
    }

    #[test]
    fn all_returns_every_value_when_every_check_passes() {
        let checked = all((
            text("a", " ok ", 1, 5),
            ensure(true, "school_id", "is required"),
            Ok::<_, Vec<FieldError>>(7),
        ));
        assert_eq!(checked, Ok(("ok".to_owned(), (), 7)));
    }

    #[test]
    fn all_names_every_failed_check_in_order() {
        let errors = all((
            text("a", "", 1, 5),
            text("b", "ok", 1, 5),
            ensure(false, "school_id", "is required"),
            Err::<(), _>(vec![
                FieldError::new("limit", "x"),
                FieldError::new("cursor", "y"),
            ]),
        ))
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|error| error.field.as_str()).collect();
        assert_eq!(fields, ["a", "school_id", "limit", "cursor"]);
        assert_eq!(errors[1].message, "is required");
    }

    #[test]
    fn optional_fields_check_only_when_present() {
        let absent: Option<&str> = None;
        let (name,) = all((absent.map(|name| line("name", name, 1, 5)).transpose(),)).unwrap();
        assert_eq!(name, None);
        let errors = all((Some("").map(|name| line("name", name, 1, 5)).transpose(),)).unwrap_err();
        assert_eq!(errors[0].field, "name");
    }
}
