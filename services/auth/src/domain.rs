//! Validated input and every limit and threshold of auth, once, next to
//! their tests.
//!
//! Each constructor trims (except passwords, which are taken exactly as
//! given), counts characters rather than bytes, and reports the API's field
//! name, so a violation travels to the client as a `400` naming the field.
//! The numeric limits below are the only place each number is written.

use std::time::Duration;

use everytime_common::validate::{self, FieldError};
use unicode_normalization::UnicodeNormalization;

/// At most this many ids per `BatchGetUsers`: enough for the gateway to
/// name everyone on a post in one call (its author and the authors of up
/// to 1,000 comments, community's `MAX_COMMENTS_PER_POST`).
pub const MAX_BATCH_USERS: usize = 1024;

/// A nickname changes at most once in this long (the admin bootstrap is
/// exempt).
pub const NICKNAME_CHANGE_INTERVAL: chrono::TimeDelta = chrono::TimeDelta::days(30);
/// A deleted account's email cannot sign up again for this long.
pub const DELETED_EMAIL_HOLD: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// Longer User-Agent strings are cut to this many characters.
pub const MAX_USER_AGENT: usize = 256;

/// `ListSessions` shows at most this many sessions, the newest.
pub const MAX_LISTED_SESSIONS: i64 = 100;

/// How often expired sign-in failure counters are deleted.
pub const SIGN_IN_PURGE_INTERVAL: Duration = Duration::from_secs(600);

/// How long a device token (the `device` cookie) of a successful sign-in
/// stays known: a year.
pub const DEVICE_TOKEN_TTL: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// How sign-in failures slow down guessing; the defaults are the limits
/// when the environment sets none.
///
/// A key (a username, a client address block, a known device) may fail
/// freely so many times; after `n` failures beyond that, its next attempt
/// must wait `2^n` seconds (at most `max_delay`) from the latest failure,
/// and is answered `429` with `Retry-After` when it comes too early. There
/// is no lockout: the wait runs out, and a correct password with a known
/// device of its user is not held up by its username's or address's
/// count at all.
#[derive(Debug, Clone)]
pub struct SignInLimits {
    /// Free failures per username, and per known device
    /// (`SIGN_IN_MAX_FAILURES_PER_USERNAME`, default 5).
    pub per_username: i32,
    /// Free failures per client address (an IPv4 address or an IPv6 /64;
    /// `SIGN_IN_MAX_FAILURES_PER_CLIENT`, default 100: a campus shares a
    /// few addresses).
    pub per_client: i32,
    /// Failures are forgotten this long after a key's latest one
    /// (`SIGN_IN_FAILURE_WINDOW_SECONDS`, default 3600).
    pub window: Duration,
    /// The longest wait between attempts (`SIGN_IN_MAX_DELAY_SECONDS`,
    /// default 900); shorter than `window`, or waits would outlast the
    /// count.
    pub max_delay: Duration,
}

impl Default for SignInLimits {
    fn default() -> Self {
        SignInLimits {
            per_username: 5,
            per_client: 100,
            window: Duration::from_secs(60 * 60),
            max_delay: Duration::from_secs(15 * 60),
        }
    }
}

impl SignInLimits {
    /// How long after its latest failure a key with `failures` of them,
    /// `free` of which cost nothing, must wait before its next attempt.
    pub fn delay(&self, failures: i32, free: i32) -> Duration {
        let Ok(beyond) = u32::try_from(failures.saturating_sub(free)) else {
            return Duration::ZERO;
        };
        // 2^beyond seconds; past 2^30 s every cap in use is long reached.
        Duration::from_secs(1u64 << beyond.min(30)).min(self.max_delay)
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

/// 4–20 of `[a-z0-9_]`; a new one is not reserved.
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

    /// A username a sign-up asks for: also not one of [`RESERVED_USERNAMES`].
    /// Signing in and looking users up take [`Username::parse`], so the
    /// bootstrap admin keeps its reserved name.
    pub fn parse_new(value: &str) -> Result<Self, FieldError> {
        let username = Self::parse(value)?;
        if RESERVED_USERNAMES.contains(&username.as_str()) {
            return Err(FieldError::new("username", "is reserved"));
        }
        Ok(username)
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

/// Usernames that read as staff: no sign-up may take them (the bootstrap
/// admin may). Usernames are `[a-z0-9_]`, so the Hangul ones can never be
/// asked for; they are listed because API.md lists them as one set.
pub const RESERVED_USERNAMES: &[&str] = &[
    "admin",
    "administrator",
    "root",
    "system",
    "everytime",
    "운영자",
    "관리자",
];

/// Nicknames that read as staff or as the names the app itself shows for
/// anonymous and deleted authors. `익명` followed by digits (`익명1`, the
/// numbered anonymous commenters) is reserved too, see
/// [`is_reserved_nickname`].
pub const RESERVED_NICKNAMES: &[&str] =
    &["관리자", "운영자", "익명", "익명(글쓴이)", "(알 수 없음)"];

/// Characters refused in nicknames and names: they are invisible or reorder
/// the text around them, so `관리자` plus one of them would look like
/// `관리자`, and a right-to-left override makes a name read backwards.
///
/// The set is Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties:
/// soft hyphen, the combining grapheme joiner, the Arabic letter mark, the
/// Hangul fillers, the Khmer inherent vowels, the Mongolian selectors,
/// zero-width spaces and joiners, the bidi marks, embeddings, overrides and
/// isolates, invisible operators, variation selectors, the byte-order mark,
/// shorthand format controls, musical formatting and tags) plus the Braille
/// blank, which renders as white space but is not white space.
pub const INVISIBLE_CHARACTERS: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),
    ('\u{034F}', '\u{034F}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{115F}', '\u{1160}'),
    ('\u{17B4}', '\u{17B5}'),
    ('\u{180B}', '\u{180F}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2060}', '\u{206F}'),
    ('\u{2800}', '\u{2800}'),
    ('\u{3164}', '\u{3164}'),
    ('\u{FE00}', '\u{FE0F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFA0}', '\u{FFA0}'),
    ('\u{1BCA0}', '\u{1BCA3}'),
    ('\u{1D173}', '\u{1D17A}'),
    ('\u{E0000}', '\u{E0FFF}'),
];

/// Whether `c` is in [`INVISIBLE_CHARACTERS`].
pub fn is_invisible(c: char) -> bool {
    INVISIBLE_CHARACTERS
        .iter()
        .any(|&(first, last)| (first..=last).contains(&c))
}

/// The form two nicknames are compared in: NFKC (which makes full-width
/// `ｍｉｎｓｕ` `minsu` and composes decomposed Hangul jamo into
/// syllables) and lower case. Uniqueness in the database is on
/// `lower(nickname)` of the stored NFKC form, the same thing.
pub fn folded_nickname(nickname: &str) -> String {
    nickname.nfkc().collect::<String>().to_lowercase()
}

/// Whether a nickname reads as one of [`RESERVED_NICKNAMES`] or as `익명`
/// followed by digits. It is compared folded and with white space removed,
/// so `관 리 자` and `익명 (글쓴이)` are reserved too.
pub fn is_reserved_nickname(nickname: &str) -> bool {
    let skeleton = |nickname: &str| -> String {
        folded_nickname(nickname)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect()
    };
    let given = skeleton(nickname);
    let numbered_anonymous = given
        .strip_prefix("익명")
        .is_some_and(|digits| !digits.is_empty() && digits.chars().all(char::is_numeric));
    numbered_anonymous
        || RESERVED_NICKNAMES
            .iter()
            .any(|reserved| skeleton(reserved) == given)
}

/// A line of text a person chose to be shown by (a nickname, a name):
/// NFKC-normalised first, so limits count what is shown, then trimmed and
/// checked like any line, and refused if it holds an invisible or
/// bidi-control character.
fn display_line(field: &str, value: &str, min: usize, max: usize) -> Result<String, FieldError> {
    let normalised: String = value.nfkc().collect();
    if value.chars().chain(normalised.chars()).any(is_invisible) {
        return Err(FieldError::new(
            field,
            "must not contain invisible or text-direction characters",
        ));
    }
    validate::line(field, &normalised, min, max)
}

/// 2–10 characters, stored NFKC-normalised; unique among users in its
/// folded form ([`folded_nickname`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nickname(String);

impl Nickname {
    /// Validates and normalises a nickname. Reserved nicknames pass: this is
    /// the bootstrap admin's check; users choose through [`Nickname::parse_new`].
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        display_line("nickname", value, 2, 10).map(Nickname)
    }

    /// A nickname a user chooses (sign-up, a change): also not reserved.
    pub fn parse_new(value: &str) -> Result<Self, FieldError> {
        let nickname = Self::parse(value)?;
        if is_reserved_nickname(nickname.as_str()) {
            return Err(FieldError::new("nickname", "is reserved"));
        }
        Ok(nickname)
    }

    /// The nickname.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's name: 1–20 characters, NFKC-normalised, nothing invisible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name(String);

impl Name {
    /// Validates and normalises a name.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        display_line("name", value, 1, 20).map(Name)
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
    fn sign_in_delays_start_after_the_free_failures_double_and_are_capped() {
        let limits = SignInLimits::default();
        let secs = |failures| limits.delay(failures, 5).as_secs();
        assert_eq!(
            [secs(0), secs(4), secs(5), secs(6), secs(9)],
            [0, 0, 1, 2, 16]
        );
        assert_eq!(secs(15), 900);
        assert_eq!(secs(i32::MAX), 900);
    }

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
    fn reserved_usernames_are_refused_for_sign_up_only() {
        for reserved in ["admin", "administrator", "root", "system", "everytime"] {
            assert_eq!(Username::parse_new(reserved).unwrap_err().field, "username");
            assert!(Username::parse(reserved).is_ok(), "{reserved}");
        }
        assert!(Username::parse_new("admin_kim").is_ok());
    }

    #[test]
    fn reserved_nicknames_are_refused_in_every_disguise() {
        for reserved in [
            "관리자",
            "운영자",
            "익명",
            "익명(글쓴이)",
            "익명1",
            "익명42",
            "익명１",
            "익명 (글쓴이)",
            "관 리 자",
            "(알 수 없음)",
            "（알 수 없음）",
        ] {
            let error = Nickname::parse_new(reserved).unwrap_err();
            assert_eq!(error.field, "nickname", "{reserved}");
            assert_eq!(error.message, "is reserved", "{reserved}");
            assert!(Nickname::parse(reserved).is_ok(), "{reserved}");
        }
        for free in ["익명이", "관리자님", "익명a", "김익명"] {
            assert!(Nickname::parse_new(free).is_ok(), "{free}");
        }
    }

    #[test]
    fn invisible_and_bidi_characters_are_refused_in_nicknames_and_names() {
        for c in [
            '\u{200B}',
            '\u{200D}',
            '\u{200F}',
            '\u{202E}',
            '\u{2066}',
            '\u{2069}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{00AD}',
            '\u{3164}',
            '\u{FFA0}',
            '\u{E0041}',
        ] {
            let nickname = format!("관리{c}자");
            assert_eq!(
                Nickname::parse(&nickname).unwrap_err().field,
                "nickname",
                "{:?}",
                c
            );
            assert_eq!(
                Name::parse(&format!("김{c}철수")).unwrap_err().field,
                "name",
                "{:?}",
                c
            );
        }
    }

    #[test]
    fn nicknames_and_names_are_stored_nfkc_normalised() {
        assert_eq!(Nickname::parse("ｍｉｎｓｕ").unwrap().as_str(), "minsu");
        // 민수 as decomposed jamo: the same syllables once composed.
        let decomposed = "\u{1106}\u{1175}\u{11AB}\u{1109}\u{116E}";
        assert_eq!(Nickname::parse(decomposed).unwrap().as_str(), "민수");
        assert_eq!(Name::parse("ｋｉｍ").unwrap().as_str(), "kim");
        // An ideographic space is white space once normalised, so trimmed.
        assert_eq!(
            Nickname::parse("\u{3000}철수\u{3000}").unwrap().as_str(),
            "철수"
        );
    }

    #[test]
    fn nickname_length_counts_the_normalised_form() {
        // Ten characters that normalise to more than ten.
        assert!(Nickname::parse(&"㈜".repeat(4)).is_err());
    }

    #[test]
    fn folded_nicknames_ignore_width_case_and_composition() {
        assert_eq!(folded_nickname("ＭｉｎＳｕ"), folded_nickname("minsu"));
        assert_eq!(
            folded_nickname("\u{1106}\u{1175}\u{11AB}\u{1109}\u{116E}"),
            folded_nickname("민수")
        );
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
