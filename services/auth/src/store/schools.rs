//! Schools: listing, one by id, creating one.

use sqlx::PgExecutor;

/// A school.
#[derive(Debug, Clone)]
pub struct School {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
}

/// Every school, by name.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn list_schools(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<School>> {
    sqlx::query_as!(School, "select id, name from schools order by name, id")
        .fetch_all(db)
        .await
}

/// A school by id.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn school_by_id(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<School>> {
    sqlx::query_as!(School, "select id, name from schools where id = $1", id)
        .fetch_optional(db)
        .await
}

/// Creates a school; a taken name breaks `schools_name_key`.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_school(db: impl PgExecutor<'_>, name: &str) -> sqlx::Result<School> {
    sqlx::query_as!(
        School,
        "insert into schools (name) values ($1) returning id, name",
        name
    )
    .fetch_one(db)
    .await
}

/// Whether a school exists.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn school_exists(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"select exists (select 1 from schools where id = $1) as "exists!""#,
        id
    )
    .fetch_one(db)
    .await
}
