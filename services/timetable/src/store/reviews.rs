//! The queries of 강의평가: lectures, their reviews, the tallies of a
//! summary, and likes.
//!
//! Each function is one statement (or one small, fixed group of them),
//! checked at compile time against the migrations (`sqlx::query!`, offline
//! data in `.sqlx/`). Lists are keyset pages on indexes; a summary is read
//! from the lecture index alone.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

use crate::{
    domain::review::{Answer, ReviewInput},
    error::Result,
};

/// The constraint that allows one review per user per lecture.
pub const ONE_PER_USER: &str = "reviews_one_per_user_key";

/// The foreign key a like of a review deleted meanwhile breaks.
pub const LIKED_REVIEW: &str = "review_likes_review_id_fkey";

/// A review as stored, with the lecture it is of.
#[derive(Debug, Clone)]
pub struct ReviewRow {
    pub id: i64,
    pub school_id: i64,
    pub lecture_name: String,
    pub professor: String,
    pub author_id: i64,
    pub rating: i16,
    pub assignment: String,
    pub team_project: String,
    pub grading: String,
    pub attendance: String,
    pub exams: i16,
    pub content: String,
    pub semester: String,
    pub like_count: i32,
    pub created_at: DateTime<Utc>,
}

/// How many reviews of a lecture gave one answer to one question
/// (`rating` counts each rating as an answer).
#[derive(Debug, Clone)]
pub struct TallyRow {
    pub question: String,
    pub answer: String,
    pub count: i64,
}

/// The lecture of a school, name and professor; created on first use.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn upsert_lecture(
    db: &mut PgConnection,
    school_id: i64,
    name: &str,
    professor: &str,
) -> Result<i64> {
    let existing = lecture(&mut *db, school_id, name, professor).await?;
    if let Some(id) = existing {
        return Ok(id);
    }
    Ok(sqlx::query_scalar!(
        r#"
        insert into lectures (school_id, name, professor) values ($1, $2, $3)
        on conflict (school_id, name, professor) do update set name = excluded.name
        returning id
        "#,
        school_id,
        name,
        professor
    )
    .fetch_one(db)
    .await?)
}

/// The lecture of a school, name and professor, if anyone reviewed it.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn lecture(
    db: impl PgExecutor<'_>,
    school_id: i64,
    name: &str,
    professor: &str,
) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar!(
        "select id from lectures where school_id = $1 and name = $2 and professor = $3",
        school_id,
        name,
        professor
    )
    .fetch_optional(db)
    .await?)
}

/// Writes a review; breaks [`ONE_PER_USER`] on a second one of the author.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_review(
    db: &mut PgConnection,
    lecture_id: i64,
    author_id: i64,
    review: &ReviewInput,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        insert into reviews (lecture_id, author_id, rating, assignment, team_project, grading,
                             attendance, exams, content, semester)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        returning id
        "#,
        lecture_id,
        author_id,
        review.rating,
        review.assignment.name(),
        review.team_project.name(),
        review.grading.name(),
        review.attendance.name(),
        review.exams,
        review.content,
        review.semester.as_str()
    )
    .fetch_one(db)
    .await
}

/// A review by id.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn review(db: impl PgExecutor<'_>, id: i64) -> Result<Option<ReviewRow>> {
    Ok(sqlx::query_as!(
        ReviewRow,
        r#"
        select r.id, l.school_id, l.name as lecture_name, l.professor, r.author_id, r.rating,
            r.assignment, r.team_project, r.grading, r.attendance, r.exams, r.content,
            r.semester, r.like_count, r.created_at
        from reviews r join lectures l on l.id = r.lecture_id
        where r.id = $1
        "#,
        id
    )
    .fetch_optional(db)
    .await?)
}

/// A page of a lecture's reviews, newest first, after the review `after`.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn lecture_reviews(
    db: impl PgExecutor<'_>,
    lecture_id: i64,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<ReviewRow>> {
    Ok(sqlx::query_as!(
        ReviewRow,
        r#"
        select r.id, l.school_id, l.name as lecture_name, l.professor, r.author_id, r.rating,
            r.assignment, r.team_project, r.grading, r.attendance, r.exams, r.content,
            r.semester, r.like_count, r.created_at
        from reviews r join lectures l on l.id = r.lecture_id
        where r.lecture_id = $1 and ($2::int8 is null or r.id < $2)
        order by r.id desc
        limit $3
        "#,
        lecture_id,
        after,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// A page of an author's reviews, newest first, after the review `after`.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn author_reviews(
    db: impl PgExecutor<'_>,
    author_id: i64,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<ReviewRow>> {
    Ok(sqlx::query_as!(
        ReviewRow,
        r#"
        select r.id, l.school_id, l.name as lecture_name, l.professor, r.author_id, r.rating,
            r.assignment, r.team_project, r.grading, r.attendance, r.exams, r.content,
            r.semester, r.like_count, r.created_at
        from reviews r join lectures l on l.id = r.lecture_id
        where r.author_id = $1 and ($2::int8 is null or r.id < $2)
        order by r.id desc
        limit $3
        "#,
        author_id,
        after,
        limit
    )
    .fetch_all(db)
    .await?)
}

/// How many reviews of a lecture gave each rating and each answer: one
/// row per (question, answer) chosen at least once.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn tallies(db: impl PgExecutor<'_>, lecture_id: i64) -> Result<Vec<TallyRow>> {
    Ok(sqlx::query_as!(
        TallyRow,
        r#"
        select 'rating' as "question!", rating::text as "answer!", count(*) as "count!"
            from reviews where lecture_id = $1 group by rating
        union all
        select 'assignment', assignment, count(*) from reviews where lecture_id = $1 group by assignment
        union all
        select 'team_project', team_project, count(*) from reviews where lecture_id = $1 group by team_project
        union all
        select 'grading', grading, count(*) from reviews where lecture_id = $1 group by grading
        union all
        select 'attendance', attendance, count(*) from reviews where lecture_id = $1 group by attendance
        "#,
        lecture_id
    )
    .fetch_all(db)
    .await?)
}

/// Deletes a review (its likes go with it); false when it was gone.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn delete_review(db: impl PgExecutor<'_>, id: i64) -> Result<bool> {
    let deleted = sqlx::query!("delete from reviews where id = $1", id)
        .execute(db)
        .await?;
    Ok(deleted.rows_affected() > 0)
}

/// Likes a review once: the new count, or `None` when the user had liked
/// it already. Run in a transaction: the count moves with the like.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn like_review(
    db: &mut PgConnection,
    id: i64,
    user_id: i64,
) -> Result<Option<i32>, sqlx::Error> {
    let inserted = sqlx::query!(
        r#"
        insert into review_likes (review_id, user_id) values ($1, $2)
        on conflict do nothing
        returning review_id
        "#,
        id,
        user_id
    )
    .fetch_optional(&mut *db)
    .await?;
    if inserted.is_none() {
        return Ok(None);
    }
    Ok(Some(
        sqlx::query_scalar!(
            "update reviews set like_count = like_count + 1 where id = $1 returning like_count",
            id
        )
        .fetch_one(db)
        .await?,
    ))
}
