//! Validated input and every limit and threshold of auth, once, next to
//! their tests.
//!
//! Each constructor trims (except passwords, which are taken exactly as
//! given), counts characters rather than bytes, and reports the API's field
//! name, so a violation travels to the client as a `400` naming the field.
//! The numeric limits below are the only place each number is written.

use std::time::Duration;

use everytime_common::validate::{self, FieldError};

/// At most this many ids per `BatchGetUsers`: enough for the gateway to
/// name everyone on a post in one call (its author and the authors of up
/// to 1,000 comments, community's `MAX_COMMENTS_PER_POST`).
pub const MAX_BATCH_USERS: usize = 1024;

/// Longer User-Agent strings are cut to this many characters.
pub const MAX_USER_AGENT: usize = 256;

/// `ListSessions` shows at most this many sessions, the newest.
pub const MAX_LISTED_SESSIONS: i64 = 100;

/// How often expired sign-in failure counters are deleted.
pub const SIGN_IN_PURGE_INTERVAL: Duration = Duration::from_secs(600);

/// How many failures each sign-in key may have in one window; the defaults
/// are the limits when the environment sets none.
#[derive(Debug, Clone)]
pub struct SignInLimits {
    /// Failures per username (`SIGN_IN_MAX_FAILURES_PER_USERNAME`, default 5).
    pub per_username: i32,
    /// Failures per client address (`SIGN_IN_MAX_FAILURES_PER_CLIENT`, default 20).
    pub per_client: i32,
    /// The window (`SIGN_IN_FAILURE_WINDOW_SECONDS`, default 900).
    pub window: Duration,
}

impl Default for SignInLimits {
    fn default() -> Self {
        SignInLimits {
            per_username: 5,
            per_client: 20,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// The client's User-Agent as a session shows it: control characters
/// dropped (a NUL cannot be stored), cut to [`MAX_USER_AGENT`] characters,
/// trimmed. Any string is acceptable; it is cleaned, never refused.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserAgent(String);

impl UserAgent {
    /// Cleans what the client sent.
    pub fn clean(value: &str) -> Self {
        UserAgent(
            value
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_USER_AGENT)
                .collect::<String>()
                .trim()
                .to_owned(),
        )
    }

    /// The cleaned User-Agent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 4–20 of `[a-z0-9_]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Validates a username.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let value = validate::line("username", value, 4, 20)?;
        if !value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(FieldError::new(
                "username",
                "may only contain lowercase letters a-z, digits and _",
            ));
        }
        Ok(Username(value))
    }

    /// The username.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// 8–128 characters, never trimmed.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

impl Password {
    /// Validates a new password under `field` (`password`, `new_password`).
    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        validate::untrimmed(field, value, 8, 128).map(Password)
    }

    /// The password.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// 2–10 characters; unique among users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nickname(String);

impl Nickname {
    /// Validates a nickname.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        validate::line("nickname", value, 2, 10).map(Nickname)
    }

    /// The nickname.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's name: 1–20 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    /// Validates a name.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        validate::line("name", value, 1, 20).map(Name)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A school's name: 1–50 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolName(String);

impl SchoolName {
    /// Validates a school name.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        validate::line("name", value, 1, 50).map(SchoolName)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address as HTML forms accept it (the WHATWG "valid email
/// address"), at most 254 characters. Unique among users whatever its case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Validates an email address.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let value = validate::line("email", value, 3, 254)?;
        let invalid = || FieldError::new("email", "is not a valid email address");
        let (local, domain) = value.split_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".!#$%&'*+/=?^_`{|}~-".contains(c));
        let label_ok = |label: &str| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if !local_ok || !domain.split('.').all(label_ok) {
            return Err(invalid());
        }
        Ok(Email(value))
    }

    /// The address, as given (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_agent_loses_control_characters_and_is_cut_to_its_limit() {
        assert_eq!(
            UserAgent::clean(" Mozilla\0/5.0\n ").as_str(),
            "Mozilla/5.0"
        );
        let long = "가".repeat(MAX_USER_AGENT + 10);
        assert_eq!(
            UserAgent::clean(&long).as_str().chars().count(),
            MAX_USER_AGENT
        );
    }

    #[test]
    fn username_takes_4_to_20_of_lowercase_digits_and_underscore() {
        assert!(Username::parse("abcd").is_ok());
        assert!(Username::parse("a_b_c_2026").is_ok());
        assert!(Username::parse(&"a".repeat(20)).is_ok());
        assert!(Username::parse("abc").is_err());
        assert!(Username::parse(&"a".repeat(21)).is_err());
    }

    #[test]
    fn username_refuses_capitals_hangul_and_punctuation() {
        for bad in ["Abcd", "철수철수", "ab-cd", "ab.cd", "ab cd"] {
            let error = Username::parse(bad).unwrap_err();
            assert_eq!(error.field, "username", "{bad}");
        }
    }

    #[test]
    fn username_is_trimmed() {
        assert_eq!(Username::parse("  alice  ").unwrap().as_str(), "alice");
    }

    #[test]
    fn password_is_8_to_128_characters_and_never_trimmed() {
        assert!(Password::parse("password", "12345678").is_ok());
        assert!(Password::parse("password", "1234567").is_err());
        assert!(Password::parse("password", &"x".repeat(128)).is_ok());
        assert!(Password::parse("password", &"x".repeat(129)).is_err());
        // Seven characters plus surrounding spaces is long enough as given.
        let password = Password::parse("password", " 1234567 ").unwrap();
        assert_eq!(password.into_inner(), " 1234567 ");
        // Hangul counts per character: eight syllables are 24 bytes.
        assert!(Password::parse("password", "가나다라마바사아").is_ok());
        assert!(Password::parse("password", "가나다라마바사").is_err());
    }

    #[test]
    fn password_errors_name_the_given_field() {
        assert_eq!(
            Password::parse("new_password", "short").unwrap_err().field,
            "new_password"
        );
    }

    #[test]
    fn nickname_is_2_to_10_characters_counted_in_unicode() {
        assert!(Nickname::parse("철수").is_ok());
        assert!(Nickname::parse("가나다라마바사아자차").is_ok());
        assert!(Nickname::parse("가나다라마바사아자차카").is_err());
        assert!(Nickname::parse("철").is_err());
        assert!(Nickname::parse("  철  ").is_err());
        assert_eq!(Nickname::parse("  새내기 ").unwrap().as_str(), "새내기");
    }

    #[test]
    fn name_is_1_to_20_characters_and_not_blank() {
        assert!(Name::parse("김").is_ok());
        assert!(Name::parse(&"김".repeat(20)).is_ok());
        assert!(Name::parse(&"김".repeat(21)).is_err());
        assert_eq!(Name::parse("   ").unwrap_err().message, "must not be empty");
    }

    #[test]
    fn school_name_is_1_to_50_characters() {
        assert!(SchoolName::parse("한국대학교").is_ok());
        assert!(SchoolName::parse(&"가".repeat(51)).is_err());
        assert!(SchoolName::parse(" ").is_err());
    }

    #[test]
    fn email_accepts_ordinary_addresses() {
        for good in [
            "kim@snu.ac.kr",
            "a.b+tag@example.com",
            "admin@localhost",
            " x@y.z ",
        ] {
            assert!(Email::parse(good).is_ok(), "{good}");
        }
        assert_eq!(
            Email::parse(" Kim@SNU.ac.kr ").unwrap().as_str(),
            "Kim@SNU.ac.kr"
        );
    }

    #[test]
    fn email_refuses_malformed_addresses() {
        for bad in [
            "",
            "kim",
            "kim@",
            "@snu.ac.kr",
            "kim@@snu.ac.kr",
            "kim@snu..kr",
            "김@snu.ac.kr",
            "kim @snu.ac.kr",
            "kim@-snu.kr",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }
}
