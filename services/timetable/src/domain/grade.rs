//! The grade calculator's rules: grades and what they are worth, a course
//! as the user puts it, and the exact arithmetic of averages and credits.
//!
//! Nothing here touches a float: credits are counted in half-credit units
//! and grade points in tenths, so a credit-weighted average is one integer
//! division, rounded half up to hundredths ([`average_hundredths`]). The
//! wire's `double credits` is read once, exactly, into half credits
//! ([`half_credits`]).

use everytime_common::validate::{self, FieldError};
use everytime_proto::timetable::v1 as pb;

use super::limits::{GRADE_COURSE_NAME_MAX, GRADE_COURSES_MAX, GRADE_HALF_CREDITS, TARGET_CREDITS};

/// A grade of the Korean 4.5 scale, or pass / no pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grade {
    APlus,
    A0,
    BPlus,
    B0,
    CPlus,
    C0,
    DPlus,
    D0,
    F,
    P,
    Np,
}

impl Grade {
    /// Every grade, best first.
    pub const ALL: [Grade; 11] = [
        Grade::APlus,
        Grade::A0,
        Grade::BPlus,
        Grade::B0,
        Grade::CPlus,
        Grade::C0,
        Grade::DPlus,
        Grade::D0,
        Grade::F,
        Grade::P,
        Grade::Np,
    ];

    /// The grade spelled `A+`, `A0`, ... `F`, `P`, `NP` (exactly).
    pub fn from_code(code: &str) -> Option<Grade> {
        Grade::ALL.into_iter().find(|grade| grade.code() == code)
    }

    /// How the API (and the database) spells it.
    pub fn code(self) -> &'static str {
        match self {
            Grade::APlus => "A+",
            Grade::A0 => "A0",
            Grade::BPlus => "B+",
            Grade::B0 => "B0",
            Grade::CPlus => "C+",
            Grade::C0 => "C0",
            Grade::DPlus => "D+",
            Grade::D0 => "D0",
            Grade::F => "F",
            Grade::P => "P",
            Grade::Np => "NP",
        }
    }

    /// Grade points in tenths (A+ is 45); `None` for P and NP, which count
    /// in no average.
    pub fn tenths(self) -> Option<i64> {
        match self {
            Grade::APlus => Some(45),
            Grade::A0 => Some(40),
            Grade::BPlus => Some(35),
            Grade::B0 => Some(30),
            Grade::CPlus => Some(25),
            Grade::C0 => Some(20),
            Grade::DPlus => Some(15),
            Grade::D0 => Some(10),
            Grade::F => Some(0),
            Grade::P | Grade::Np => None,
        }
    }

    /// F and NP earn no credits.
    pub fn earns_credits(self) -> bool {
        !matches!(self, Grade::F | Grade::Np)
    }
}

/// One course of a semester, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GradeCourse {
    /// 1–40 characters, trimmed.
    pub name: String,
    /// Credits times two: 1 (0.5) to 20 (10).
    pub half_credits: i32,
    /// `None` while not known: the course counts nowhere.
    pub grade: Option<Grade>,
    pub major: bool,
}

impl GradeCourse {
    /// Validates the course at `courses[index]`.
    pub fn parse(index: usize, course: &pb::GradeCourse) -> Result<Self, Vec<FieldError>> {
        let field = |name: &str| format!("courses[{index}].{name}");
        let (name, half_credits, grade) = validate::all((
            validate::line(&field("name"), &course.name, 1, GRADE_COURSE_NAME_MAX),
            half_credits(&field("credits"), course.credits),
            course
                .grade
                .as_deref()
                .map(|grade| {
                    Grade::from_code(grade.trim()).ok_or_else(|| {
                        FieldError::new(
                            field("grade"),
                            "must be one of A+, A0, B+, B0, C+, C0, D+, D0, F, P, NP, or null",
                        )
                    })
                })
                .transpose(),
        ))?;
        Ok(GradeCourse {
            name,
            half_credits,
            grade,
            major: course.major,
        })
    }

    /// A whole semester's courses: 0–30, each valid; every violation named.
    pub fn parse_all(courses: &[pb::GradeCourse]) -> Result<Vec<Self>, Vec<FieldError>> {
        if courses.len() > GRADE_COURSES_MAX {
            return Err(vec![FieldError::new(
                "courses",
                format!("must hold at most {GRADE_COURSES_MAX} courses"),
            )]);
        }
        let mut parsed = Vec::with_capacity(courses.len());
        let mut errors = Vec::new();
        for (index, course) in courses.iter().enumerate() {
            match GradeCourse::parse(index, course) {
                Ok(course) => parsed.push(course),
                Err(mut failed) => errors.append(&mut failed),
            }
        }
        if errors.is_empty() {
            Ok(parsed)
        } else {
            Err(errors)
        }
    }
}

/// Credits given as a number, in half credits: 0.5 to 10 in steps of 0.5.
/// Every such value is exact in a double, so the check is exact too.
pub fn half_credits(field: &str, credits: f64) -> Result<i32, FieldError> {
    let doubled = credits * 2.0;
    let invalid = || FieldError::new(field, "must be 0.5 to 10, in steps of 0.5");
    if !doubled.is_finite() || doubled.fract() != 0.0 {
        return Err(invalid());
    }
    // Finite and whole, so the cast is exact once the range is checked.
    let range = f64::from(*GRADE_HALF_CREDITS.start())..=f64::from(*GRADE_HALF_CREDITS.end());
    if !range.contains(&doubled) {
        return Err(invalid());
    }
    #[allow(clippy::cast_possible_truncation)]
    Ok(doubled as i32)
}

/// A target number of credits: 1–300.
pub fn target_credits(value: i32) -> Result<i32, FieldError> {
    validate::ensure(
        TARGET_CREDITS.contains(&value),
        "target_credits",
        "must be 1 to 300",
    )?;
    Ok(value)
}

/// `numerator / denominator` in hundredths, rounded half up (both are
/// non-negative); `None` when the denominator is zero.
///
/// With points in tenths and credits in halves, the average in hundredths
/// is `10 · Σ(points·halves) / Σhalves`, and half up is
/// `⌊(2·10·n + d) / (2·d)⌋`: 3.745 becomes 3.75, 3.7449… becomes 3.74.
pub fn average_hundredths(weighted_tenths: i64, half_credits: i64) -> Option<i64> {
    (half_credits > 0).then(|| (20 * weighted_tenths + half_credits) / (2 * half_credits))
}

/// What a set of courses adds up to, exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// Σ points·halves over the graded courses but P and NP.
    weighted: i64,
    /// Σ halves of those.
    averaged: i64,
    /// The same two over the major ones.
    major_weighted: i64,
    major_averaged: i64,
    /// Σ halves of every graded course.
    pub half_credits: i64,
    /// Σ halves of the graded courses but F and NP.
    pub earned_half_credits: i64,
}

impl Tally {
    /// Counts one course in: without a grade it counts nowhere.
    pub fn add(&mut self, half_credits: i32, grade: Option<Grade>, major: bool) {
        let Some(grade) = grade else { return };
        let halves = i64::from(half_credits);
        self.half_credits += halves;
        if grade.earns_credits() {
            self.earned_half_credits += halves;
        }
        if let Some(tenths) = grade.tenths() {
            self.weighted += tenths * halves;
            self.averaged += halves;
            if major {
                self.major_weighted += tenths * halves;
                self.major_averaged += halves;
            }
        }
    }

    /// The tally of these courses.
    pub fn of<'a>(courses: impl IntoIterator<Item = &'a GradeCourse>) -> Tally {
        let mut tally = Tally::default();
        for course in courses {
            tally.add(course.half_credits, course.grade, course.major);
        }
        tally
    }

    /// The average of every course that counts, in hundredths.
    pub fn gpa_hundredths(&self) -> Option<i64> {
        average_hundredths(self.weighted, self.averaged)
    }

    /// The average of the major courses that count, in hundredths.
    pub fn major_gpa_hundredths(&self) -> Option<i64> {
        average_hundredths(self.major_weighted, self.major_averaged)
    }
}

/// Orders semesters as they happen: by year, then 1, S (summer), 2, W
/// (winter).
pub fn semester_order(semester: &str) -> (String, u8) {
    let (year, term) = semester.split_once('-').unwrap_or((semester, ""));
    let rank = match term {
        "1" => 0,
        "S" => 1,
        "2" => 2,
        _ => 3,
    };
    (year.to_owned(), rank)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn course(credits: f64, grade: Option<&str>, major: bool) -> pb::GradeCourse {
        pb::GradeCourse {
            name: "자료구조".into(),
            credits,
            grade: grade.map(str::to_owned),
            major,
        }
    }

    fn tally(courses: &[(f64, Option<&str>, bool)]) -> Tally {
        let parsed: Vec<GradeCourse> = courses
            .iter()
            .enumerate()
            .map(|(i, (credits, grade, major))| {
                GradeCourse::parse(i, &course(*credits, *grade, *major)).expect("valid")
            })
            .collect();
        Tally::of(&parsed)
    }

    #[test]
    fn grades_are_worth_the_4_5_scale() {
        let worth: Vec<Option<i64>> = Grade::ALL.iter().map(|grade| grade.tenths()).collect();
        assert_eq!(
            worth,
            [
                Some(45),
                Some(40),
                Some(35),
                Some(30),
                Some(25),
                Some(20),
                Some(15),
                Some(10),
                Some(0),
                None,
                None
            ]
        );
        for grade in Grade::ALL {
            assert_eq!(Grade::from_code(grade.code()), Some(grade));
        }
        assert_eq!(Grade::from_code("A"), None);
        assert_eq!(Grade::from_code("a+"), None);
        assert!(!Grade::F.earns_credits() && !Grade::Np.earns_credits());
        assert!(Grade::P.earns_credits() && Grade::D0.earns_credits());
    }

    #[test]
    fn credits_are_half_steps_from_0_5_to_10() {
        assert_eq!(half_credits("c", 0.5), Ok(1));
        assert_eq!(half_credits("c", 3.0), Ok(6));
        assert_eq!(half_credits("c", 1.5), Ok(3));
        assert_eq!(half_credits("c", 10.0), Ok(20));
        for bad in [
            0.0,
            0.25,
            1.25,
            10.5,
            -1.0,
            11.0,
            f64::NAN,
            f64::INFINITY,
            3.000_000_1,
        ] {
            assert_eq!(half_credits("c", bad).unwrap_err().field, "c", "{bad}");
        }
    }

    #[test]
    fn averages_round_half_up_to_hundredths() {
        // Points in tenths over halves: 749 / 20 is 37.45 tenths, 3.745 → 3.75.
        assert_eq!(average_hundredths(749, 20), Some(375));
        // Just below: 3.74495 → 3.74.
        assert_eq!(average_hundredths(74_899, 2_000), Some(374));
        // 3.735 → 3.74; 3.7349… → 3.73.
        assert_eq!(average_hundredths(747, 20), Some(374));
        assert_eq!(average_hundredths(74_699, 2_000), Some(373));
        assert_eq!(average_hundredths(0, 7), Some(0));
        assert_eq!(average_hundredths(45, 1), Some(450));
        assert_eq!(average_hundredths(0, 0), None);
        // 3.333… → 3.33; 6.666… → 6.67.
        assert_eq!(average_hundredths(100, 3), Some(333));
        assert_eq!(average_hundredths(200, 3), Some(667));
    }

    #[test]
    fn a_semester_averages_by_credits_exactly() {
        // A+ 3 credits, B0 1 credit: (4.5·3 + 3.0·1) / 4 = 4.125, on the boundary → 4.13.
        let t = tally(&[(3.0, Some("A+"), true), (1.0, Some("B0"), false)]);
        assert_eq!(t.gpa_hundredths(), Some(413));
        assert_eq!(t.major_gpa_hundredths(), Some(450));
        assert_eq!((t.half_credits, t.earned_half_credits), (8, 8));
        // A0 3, B+ 3, C+ 2: (12 + 10.5 + 5) / 8 = 3.4375 → 3.44.
        let t = tally(&[
            (3.0, Some("A0"), false),
            (3.0, Some("B+"), false),
            (2.0, Some("C+"), false),
        ]);
        assert_eq!(t.gpa_hundredths(), Some(344));
        // 0.1 + 0.2 style sums stay exact: ten 0.5-credit A0s average 4.0.
        let many: Vec<(f64, Option<&str>, bool)> =
            (0..10).map(|_| (0.5, Some("A0"), false)).collect();
        assert_eq!(tally(&many).gpa_hundredths(), Some(400));
    }

    #[test]
    fn pass_fail_and_missing_grades_count_as_the_rules_say() {
        let t = tally(&[
            (3.0, Some("A+"), true),
            (2.0, Some("P"), true),
            (1.0, Some("NP"), false),
            (3.0, Some("F"), false),
            (3.0, None, true),
        ]);
        // P and NP in no average; F counts as 0: (13.5 + 0) / 6 = 2.25.
        assert_eq!(t.gpa_hundredths(), Some(225));
        assert_eq!(t.major_gpa_hundredths(), Some(450));
        // Every graded course: 3 + 2 + 1 + 3; earned: no F, no NP: 3 + 2.
        assert_eq!(t.half_credits, 18);
        assert_eq!(t.earned_half_credits, 10);
        let only_pass = tally(&[(2.0, Some("P"), true), (3.0, None, false)]);
        assert_eq!(only_pass.gpa_hundredths(), None);
        assert_eq!(only_pass.major_gpa_hundredths(), None);
        assert_eq!(only_pass.earned_half_credits, 4);
    }

    #[test]
    fn bad_courses_name_their_fields() {
        let errors = GradeCourse::parse_all(&[
            course(3.0, Some("A+"), false),
            pb::GradeCourse {
                name: "  ".into(),
                credits: 0.3,
                grade: Some("E".into()),
                major: false,
            },
        ])
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["courses[1].name", "courses[1].credits", "courses[1].grade"]
        );
        let long = pb::GradeCourse {
            name: "가".repeat(41),
            ..course(3.0, None, false)
        };
        assert!(GradeCourse::parse(0, &long).is_err());
        let forty = pb::GradeCourse {
            name: "가".repeat(40),
            ..course(3.0, None, false)
        };
        assert!(GradeCourse::parse(0, &forty).is_ok());
        let too_many: Vec<pb::GradeCourse> = (0..31).map(|_| course(1.0, None, false)).collect();
        assert_eq!(
            GradeCourse::parse_all(&too_many).unwrap_err()[0].field,
            "courses"
        );
        assert_eq!(
            GradeCourse::parse_all(&too_many[..30]).map(|c| c.len()),
            Ok(30)
        );
    }

    #[test]
    fn targets_are_1_to_300_and_semesters_order_as_they_happen() {
        assert!(target_credits(0).is_err() && target_credits(301).is_err());
        assert_eq!(target_credits(1), Ok(1));
        assert_eq!(target_credits(300), Ok(300));
        let mut semesters = vec!["2026-W", "2026-2", "2025-2", "2026-S", "2026-1"];
        semesters.sort_by_key(|s| semester_order(s));
        assert_eq!(
            semesters,
            ["2025-2", "2026-1", "2026-S", "2026-2", "2026-W"]
        );
    }
}
