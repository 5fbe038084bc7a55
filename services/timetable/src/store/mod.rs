//! The timetable schema's SQL, one file per aggregate: [`courses`] (the
//! catalog), [`timetables`] (timetables and the time their courses occupy)
//! and [`friends`] (requests and friendships). Nothing but queries lives
//! here, and [`grouped`], which puts the rows of a one-to-many join back
//! together.

pub mod courses;
pub mod custom_entries;
pub mod events;
pub mod free_time;
pub mod friends;
pub mod grades;
pub mod reviews;
pub mod timetables;
pub mod users;

/// The rows of a left join of parents to their children, a row per child
/// (or one row without a child), ordered by parent: each parent once, in
/// order, with its children in theirs. `same` says whether a row belongs
/// to the parent before it; `split` takes a row apart.
pub(crate) fn grouped<R, P, C>(
    rows: Vec<R>,
    same: impl Fn(&P, &R) -> bool,
    split: impl Fn(R) -> (P, Option<C>),
) -> Vec<(P, Vec<C>)> {
    let mut groups: Vec<(P, Vec<C>)> = Vec::new();
    for row in rows {
        match groups.last_mut() {
            Some((parent, children)) if same(parent, &row) => children.extend(split(row).1),
            _ => {
                let (parent, child) = split(row);
                groups.push((parent, child.into_iter().collect()));
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::grouped;

    #[test]
    fn rows_of_a_join_come_back_as_parents_with_their_children() {
        // (parent, child): parent 1 with two children, 2 with none, 1
        // again later (another parent that happens to share the key is
        // not merged across a gap), 3 with one.
        let rows = vec![
            (1, Some('a')),
            (1, Some('b')),
            (2, None),
            (1, Some('c')),
            (3, Some('d')),
        ];
        let groups = grouped(rows, |parent: &i32, row| *parent == row.0, |row| row);
        assert_eq!(
            groups,
            [
                (1, vec!['a', 'b']),
                (2, vec![]),
                (1, vec!['c']),
                (3, vec!['d'])
            ]
        );
        assert!(grouped(Vec::<(i32, Option<char>)>::new(), |p, r| *p == r.0, |r| r).is_empty());
    }
}
