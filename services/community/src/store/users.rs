//! What the community service erases of a user who left. Their posts and
//! comments stay (a named one is shown as `(알 수 없음)` once auth no longer
//! knows them; an anonymous one stays 익명), and so do their likes, which
//! stay counted; their scraps and their write-limit history go.

use sqlx::PgConnection;

/// Deletes a user's scraps, taking each from its post's count in the same
/// statement, and their write-limit history; the rows deleted.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn erase_user(db: &mut PgConnection, user_id: i64) -> sqlx::Result<u64> {
    let scraps = sqlx::query!(
        r#"
        with gone as (delete from scraps where user_id = $1 returning post_id)
        update post_stats s set scrap_count = s.scrap_count - 1
        from gone where s.post_id = gone.post_id
        "#,
        user_id
    )
    .execute(&mut *db)
    .await?
    .rows_affected();
    let writes = sqlx::query!("delete from write_events where user_id = $1", user_id)
        .execute(db)
        .await?
        .rows_affected();
    Ok(scraps + writes)
}
