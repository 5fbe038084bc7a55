//! Which colour each course of a picture gets: from a hash of its section
//! code, so it keeps its colour from one picture to the next; courses of one
//! timetable that would share a colour are told apart in the order they were
//! added, so adding a course never recolours one already there.

use std::collections::HashMap;

use everytime_proto::timetable::v1 as pb;

/// Course colours, soft enough for dark text; a timetable's courses get
/// distinct ones while there are no more courses than colours.
pub const PALETTE: [&str; 16] = [
    "#f8b4b4", "#fbd38d", "#faf089", "#c6f6a5", "#9ae6b4", "#81e6d9", "#90cdf4", "#a3bffa",
    "#d6bcfa", "#fbb6ce", "#e2c9a6", "#cbd5e0", "#feb2a0", "#b2f5ea", "#bee3f8", "#e9d8fd",
];

/// Where a course's colour is in [`PALETTE`] when nothing else of its
/// timetable has it: FNV-1a of the section code, the same on every machine
/// and in every release (unlike the standard library's hasher).
pub fn preferred_colour(code: &str) -> usize {
    let hash = code.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    usize::try_from(hash % PALETTE.len() as u64).unwrap_or(0)
}

/// The colour of each course (by id). Courses are served in the order they
/// were added (`added`, course ids; any course missing from it comes after,
/// by code): each takes its [`preferred_colour`], or when an earlier course
/// has it, the next free one. So a course keeps its colour when another is
/// added, and courses of one timetable differ while colours last.
pub fn colours(courses: &[pb::Course], added: &[i64]) -> HashMap<i64, &'static str> {
    let rank = |course: &pb::Course| {
        added
            .iter()
            .position(|id| *id == course.id)
            .unwrap_or(usize::MAX)
    };
    let mut ordered: Vec<&pb::Course> = courses.iter().collect();
    ordered.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.code.cmp(&b.code)));
    let mut taken = [false; PALETTE.len()];
    let mut assigned = HashMap::with_capacity(courses.len());
    for course in ordered {
        let preferred = preferred_colour(&course.code);
        let index = (0..PALETTE.len())
            .map(|step| (preferred + step) % PALETTE.len())
            .find(|index| !taken[*index])
            // More courses than colours: repeats are unavoidable.
            .unwrap_or(preferred);
        taken[index] = true;
        assigned.insert(course.id, PALETTE[index]);
    }
    assigned
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coded(id: i64, code: &str) -> pb::Course {
        pb::Course {
            id,
            code: code.into(),
            ..Default::default()
        }
    }

    /// A code after `after` in the search, whose preferred colour is `index`.
    fn code_preferring(index: usize, prefix: &str) -> String {
        (0..)
            .map(|n| format!("{prefix}{n:03}"))
            .find(|code| preferred_colour(code) == index)
            .expect("some code hashes there")
    }

    #[test]
    fn a_course_keeps_its_colour_when_another_is_added() {
        let first = coded(10, "CSE2010-01");
        let second = coded(20, "MAT1010-02");
        let before = colours(&[first.clone(), second.clone()], &[10, 20]);
        // The newcomer sorts first by code and wants the first course's colour.
        let newcomer = coded(5, &code_preferring(preferred_colour("CSE2010-01"), "AAA"));

        let after = colours(&[newcomer, first, second], &[10, 20, 5]);

        assert_eq!(after[&10], before[&10]);
        assert_eq!(after[&20], before[&20]);
        assert_ne!(after[&5], after[&10], "the newcomer gives way");
        assert_ne!(after[&5], after[&20]);
    }

    #[test]
    fn a_colour_comes_from_the_code_not_the_position() {
        let alone = colours(&[coded(1, "GEN0001-01")], &[1]);
        let among = colours(&[coded(2, "AAA0001-01"), coded(1, "GEN0001-01")], &[1, 2]);

        assert_eq!(alone[&1], PALETTE[preferred_colour("GEN0001-01")]);
        assert_eq!(among[&1], alone[&1]);
    }

    #[test]
    fn the_courses_of_a_timetable_get_distinct_colours_while_colours_last() {
        // Sixteen codes that all want the same colour.
        let courses: Vec<pb::Course> = (0..PALETTE.len())
            .map(|n| {
                let code = code_preferring(3, &format!("S{n:02}-"));
                coded(i64::try_from(n).unwrap_or(0) + 1, &code)
            })
            .collect();
        let added: Vec<i64> = courses.iter().map(|course| course.id).rev().collect();

        let assigned = colours(&courses, &added);

        let distinct: std::collections::HashSet<&str> = assigned.values().copied().collect();
        assert_eq!(distinct.len(), PALETTE.len());
        assert_eq!(
            assigned[&added[0]], PALETTE[3],
            "the first added keeps its own"
        );
        assert_eq!(colours(&courses, &added), assigned, "the same every time");
    }
}
