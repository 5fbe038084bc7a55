//! The JSON of new schools and course imports.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::routes::timetable::ClassSessionBody;

/// A new school.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateSchoolBody {
    /// 1–50 characters, unique.
    #[schema(example = "한국대학교")]
    pub name: String,
}

/// A course section to import (each item of `courses`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct CourseInputBody {
    /// 1–30 characters without spaces, unique per school and semester.
    #[schema(example = "CSE2010-01")]
    pub code: String,
    /// 1–100 characters.
    #[schema(example = "자료구조")]
    pub name: String,
    /// Up to 50 characters; empty when not yet assigned.
    #[schema(example = "김민준")]
    pub professor: String,
    /// 0–30.
    #[schema(example = 3)]
    pub credits: i32,
    /// 1–14 sessions that do not overlap each other; rooms up to 50 characters.
    pub sessions: Vec<ClassSessionBody>,
}

/// A batch of courses for one school's semester.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ImportCoursesBody {
    #[schema(example = 1)]
    pub school_id: i64,
    #[schema(example = "2026-2")]
    pub semester: String,
    /// 1–500 courses, in a body of at most 64 KiB: about 250 courses of
    /// typical length fit (Korean text takes 3 bytes a character), a larger
    /// body is `413`. Import a bigger catalog in several requests. A `400`
    /// names the first bad course in order; a bad one imports nothing.
    #[schema(value_type = Vec<CourseInputBody>)]
    pub courses: Vec<serde_json::Value>,
}

/// How many courses were imported.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedBody {
    #[schema(example = 320)]
    pub imported: i32,
}
