//! Validated input: every rule of the timetable API, one concept a file,
//! each next to its tests, and every limit in [`limits`].
//!
//! Text is trimmed and counted in characters, not bytes; a violation names
//! the API's field (`semester`, `courses[3].sessions[0].start`) so it reaches
//! the client as a `400` pointing at the culprit.
//!
//! - [`semester`]: `2026-2` and the semester under way;
//! - [`day`]: days, `HH:MM` times and the clash rule of two sessions;
//! - [`course`]: a course of an import and a whole batch;
//! - [`course_json`]: a course sent as JSON, read into that shape;
//! - [`custom_entry`]: a 직접 추가 block of the owner's own;
//! - [`timetable`]: a timetable's name and who may read it;
//! - [`review`]: a 강의평가 review's answers and what reviews add up to;
//! - [`search`]: search text and the grams the index and queries share.

pub mod course;
pub mod course_json;
pub mod custom_entry;
pub mod day;
pub mod free_time;
pub mod grade;
pub mod limits;
pub mod review;
pub mod search;
pub mod semester;
pub mod timetable;

pub use course::{CourseInput, Session, parse_import, parse_json_import};
pub use custom_entry::CustomEntryInput;
pub use day::{Day, Slot, format_time, parse_time};
pub use search::{SearchText, index_grams, query_grams, search_key};
pub use semester::Semester;
pub use timetable::{TimetableName, Viewer, Visibility};
