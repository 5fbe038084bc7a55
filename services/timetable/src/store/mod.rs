//! The timetable schema's SQL, one file per aggregate: [`courses`] (the
//! catalog), [`timetables`] (timetables and the time their courses occupy)
//! and [`friends`] (requests and friendships). Nothing but queries lives
//! here.

pub mod courses;
pub mod friends;
pub mod timetables;
