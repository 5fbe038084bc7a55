//! The timetable schema's SQL, one file per aggregate: [`courses`] (the
//! catalog), [`timetables`] (timetables and the time their courses occupy)
//! and [`friends`] (requests and friendships). Nothing but queries lives
//! here.

pub mod courses;
pub mod custom_entries;
pub mod events;
pub mod free_time;
pub mod friends;
pub mod grades;
pub mod reviews;
pub mod timetables;
pub mod users;
