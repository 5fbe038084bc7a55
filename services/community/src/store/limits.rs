//! The SQL of the per-user write limits: the per-user lock, and the
//! recent writes each limit counts (`write_events`, migration 0003).

use sqlx::PgConnection;

/// Serializes one user's limited writes until the transaction ends, so
/// racing writes are checked one after another and cannot all pass.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn lock_writer(db: &mut PgConnection, user_id: i64) -> sqlx::Result<()> {
    super::advisory_xact_lock(db, "everytime.community.writes", user_id).await
}

/// Records a write of `kind` in `scope_id` unless the user already made
/// `max` of them in the last `window_seconds`; then nothing is recorded
/// and the answer is how many seconds are left until the oldest of those
/// ages out. Deletes the user's writes of `kind` that have aged out.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn record_write(
    db: &mut PgConnection,
    user_id: i64,
    kind: &str,
    scope_id: i64,
    max: i64,
    window_seconds: f64,
) -> sqlx::Result<Option<f64>> {
    let row = sqlx::query!(
        r#"
        with pruned as (
            delete from write_events
            where user_id = $1 and kind = $2
              and at <= statement_timestamp() - make_interval(secs => $5)
        ), blocker as (
            select at from write_events
            where user_id = $1 and kind = $2 and scope_id = $3
              and at > statement_timestamp() - make_interval(secs => $5)
            order by at desc
            offset $4::bigint - 1
            limit 1
        ), recorded as (
            insert into write_events (user_id, kind, scope_id, at)
            select $1, $2, $3, statement_timestamp()
            where not exists (select from blocker)
        )
        select extract(epoch from (
            at + make_interval(secs => $5) - statement_timestamp()
        ))::float8 as "seconds_left!"
        from blocker
        "#,
        user_id,
        kind,
        scope_id,
        max,
        window_seconds
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| row.seconds_left))
}
