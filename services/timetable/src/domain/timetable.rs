//! A timetable's name and who may read it ([`Visibility`], [`Viewer`]).

use everytime_common::validate::{self, FieldError};
use everytime_proto::timetable::v1 as pb;

use super::limits::TIMETABLE_NAME_MAX;

/// A timetable's name: 1–40 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimetableName(String);

impl TimetableName {
    /// Validates a timetable name.
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        validate::line("name", value, 1, TIMETABLE_NAME_MAX).map(TimetableName)
    }

    /// The `n`th default name, `시간표 n`.
    pub fn default_nth(n: usize) -> Self {
        TimetableName(format!("시간표 {n}"))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who may read a timetable besides its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Private,
    Friends,
    Public,
}

impl Visibility {
    /// The visibility of a wire value; unspecified or unknown values are a
    /// violation of `visibility`.
    pub fn from_pb(value: i32) -> Result<Visibility, FieldError> {
        match pb::Visibility::try_from(value) {
            Ok(pb::Visibility::Private) => Ok(Visibility::Private),
            Ok(pb::Visibility::Friends) => Ok(Visibility::Friends),
            Ok(pb::Visibility::Public) => Ok(Visibility::Public),
            _ => Err(FieldError::new(
                "visibility",
                "must be private, friends or public",
            )),
        }
    }

    /// The stored name; anything unknown reads as private, the safe side.
    pub fn from_name(name: &str) -> Visibility {
        match name {
            "public" => Visibility::Public,
            "friends" => Visibility::Friends,
            _ => Visibility::Private,
        }
    }

    /// The stored (and REST) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Friends => "friends",
            Visibility::Public => "public",
        }
    }

    /// The wire value.
    pub fn to_pb(self) -> pb::Visibility {
        match self {
            Visibility::Private => pb::Visibility::Private,
            Visibility::Friends => pb::Visibility::Friends,
            Visibility::Public => pb::Visibility::Public,
        }
    }
}

/// Who is looking at a timetable, relative to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Viewer {
    /// The viewer owns it.
    pub is_owner: bool,
    /// The viewer is the owner's friend.
    pub is_friend: bool,
    /// The viewer is of the school the timetable belongs to.
    pub same_school: bool,
}

impl Visibility {
    /// The read rule: the owner always; a friend when `friends` or `public`;
    /// anyone of the same school when `public`.
    pub fn allows(self, viewer: Viewer) -> bool {
        viewer.is_owner
            || (viewer.is_friend && matches!(self, Visibility::Friends | Visibility::Public))
            || (viewer.same_school && self == Visibility::Public)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timetable_names_are_1_to_40_characters() {
        assert_eq!(
            TimetableName::parse("  내 시간표 ").unwrap().as_str(),
            "내 시간표"
        );
        assert!(TimetableName::parse(&"가".repeat(40)).is_ok());
        assert_eq!(
            TimetableName::parse(&"가".repeat(41)).unwrap_err().field,
            "name"
        );
        assert_eq!(TimetableName::parse("   ").unwrap_err().field, "name");
        assert_eq!(TimetableName::default_nth(3).as_str(), "시간표 3");
    }

    #[test]
    fn visibility_rules_match_the_api() {
        let owner = Viewer {
            is_owner: true,
            is_friend: false,
            same_school: true,
        };
        let friend = Viewer {
            is_owner: false,
            is_friend: true,
            same_school: true,
        };
        let schoolmate = Viewer {
            is_owner: false,
            is_friend: false,
            same_school: true,
        };
        let stranger = Viewer {
            is_owner: false,
            is_friend: false,
            same_school: false,
        };
        use Visibility::*;
        let table = [
            (Private, [true, false, false, false]),
            (Friends, [true, true, false, false]),
            (Public, [true, true, true, false]),
        ];
        for (visibility, expected) in table {
            let seen =
                [owner, friend, schoolmate, stranger].map(|viewer| visibility.allows(viewer));
            assert_eq!(seen, expected, "{visibility:?}");
        }
        assert!(Visibility::from_pb(0).is_err());
        assert_eq!(Visibility::from_name("garbage"), Private);
    }
}
