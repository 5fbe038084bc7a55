//! The SQL of 신고 and blinding (migration 0005): reports, the per-item
//! counts that decide blinding, blinding and restoring an item, the
//! administrators' list, and an author's recent blindings.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};

/// A reported item of the administrators' list.
#[derive(Debug, Clone)]
pub struct ReportedRow {
    pub kind: String,
    pub item_id: i64,
    pub post_id: i64,
    pub report_count: i32,
    pub blinded: bool,
    /// What was reported: a post's title and content start, or a comment's.
    pub excerpt: String,
}

/// How many reports of an item gave one reason.
#[derive(Debug, Clone)]
pub struct ReasonCount {
    pub kind: String,
    pub item_id: i64,
    pub reason: String,
    pub count: i64,
}

/// Records `reporter`'s report of an item; false when they had reported it
/// already.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn insert_report(
    db: &mut PgConnection,
    kind: &str,
    item_id: i64,
    reporter_id: i64,
    reason: &str,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query!(
        r#"
        insert into reports (kind, item_id, reporter_id, reason) values ($1, $2, $3, $4)
        on conflict do nothing
        returning item_id
        "#,
        kind,
        item_id,
        reporter_id,
        reason
    )
    .fetch_optional(db)
    .await?;
    Ok(inserted.is_some())
}

/// Counts one more report of an item, locking its count row until the
/// transaction ends (so racing reports are counted one at a time); the new
/// count and whether the item is blinded already.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn count_report(
    db: &mut PgConnection,
    kind: &str,
    item_id: i64,
    school_id: i64,
    post_id: i64,
    author_id: i64,
) -> sqlx::Result<(i32, bool)> {
    let row = sqlx::query!(
        r#"
        insert into report_stats (kind, item_id, school_id, post_id, author_id, report_count)
        values ($1, $2, $3, $4, $5, 1)
        on conflict (kind, item_id) do update set report_count = report_stats.report_count + 1
        returning report_count, blinded_at is not null as "blinded!"
        "#,
        kind,
        item_id,
        school_id,
        post_id,
        author_id
    )
    .fetch_one(db)
    .await?;
    Ok((row.report_count, row.blinded))
}

/// Blinds a post (out of every list but its author's, and off HOT and
/// BEST) and records when, in the transaction holding its count row.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn blind_post(db: &mut PgConnection, post_id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "update report_stats set blinded_at = now() where kind = 'post' and item_id = $1",
        post_id
    )
    .execute(&mut *db)
    .await?;
    sqlx::query!("update posts set blinded_at = now() where id = $1", post_id)
        .execute(&mut *db)
        .await?;
    sqlx::query!(
        "update post_stats set blinded = true where post_id = $1",
        post_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Blinds a comment and records when.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn blind_comment(db: &mut PgConnection, comment_id: i64) -> sqlx::Result<()> {
    sqlx::query!(
        "update report_stats set blinded_at = now() where kind = 'comment' and item_id = $1",
        comment_id
    )
    .execute(&mut *db)
    .await?;
    sqlx::query!(
        "update comments set blinded_at = now() where id = $1",
        comment_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Un-blinds an item of the school and forgets its reports (so it counts
/// no more against its author); false when it has none.
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn restore(
    db: &mut PgConnection,
    kind: &str,
    item_id: i64,
    school_id: i64,
) -> sqlx::Result<bool> {
    let restored = sqlx::query_scalar!(
        r#"
        delete from report_stats where kind = $1 and item_id = $2 and school_id = $3
        returning item_id
        "#,
        kind,
        item_id,
        school_id
    )
    .fetch_optional(&mut *db)
    .await?;
    if restored.is_none() {
        return Ok(false);
    }
    sqlx::query!(
        "delete from reports where kind = $1 and item_id = $2",
        kind,
        item_id
    )
    .execute(&mut *db)
    .await?;
    if kind == "post" {
        sqlx::query!("update posts set blinded_at = null where id = $1", item_id)
            .execute(&mut *db)
            .await?;
        sqlx::query!(
            "update post_stats set blinded = false where post_id = $1",
            item_id
        )
        .execute(db)
        .await?;
    } else {
        sqlx::query!(
            "update comments set blinded_at = null where id = $1",
            item_id
        )
        .execute(db)
        .await?;
    }
    Ok(true)
}

/// A page of the school's reported items that still exist, most reported
/// first, after `(count, kind, id)` in that order, each with what it says
/// (`excerpt_characters` of its content).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn reported_page(
    db: impl PgExecutor<'_>,
    school_id: i64,
    before: (i32, &str, i64),
    limit: i64,
    excerpt_characters: i32,
) -> sqlx::Result<Vec<ReportedRow>> {
    sqlx::query_as!(
        ReportedRow,
        r#"
        select r.kind, r.item_id, r.post_id, r.report_count,
               r.blinded_at is not null as "blinded!", item.excerpt as "excerpt!"
        from report_stats r
        cross join lateral (
            select case r.kind
                when 'post' then (select p.title || E'\n' || left(p.content, $6)
                                  from posts p where p.id = r.item_id)
                else (select left(c.content, $6)
                      from comments c where c.id = r.item_id and c.deleted_at is null)
            end as excerpt
        ) item
        where r.school_id = $1 and (r.report_count, r.kind, r.item_id) < ($2, $3, $4)
          and item.excerpt is not null
        order by r.report_count desc, r.kind desc, r.item_id desc
        limit $5
        "#,
        school_id,
        before.0,
        before.1,
        before.2,
        limit,
        excerpt_characters
    )
    .fetch_all(db)
    .await
}

/// How many reports gave each reason, for these items (`kinds[i]`,
/// `ids[i]`).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn reasons(
    db: impl PgExecutor<'_>,
    kinds: &[String],
    ids: &[i64],
) -> sqlx::Result<Vec<ReasonCount>> {
    sqlx::query_as!(
        ReasonCount,
        r#"
        select r.kind, r.item_id, r.reason, count(*) as "count!"
        from reports r
        join unnest($1::text[], $2::int8[]) as item (kind, item_id)
          on r.kind = item.kind and r.item_id = item.item_id
        group by r.kind, r.item_id, r.reason
        "#,
        kinds,
        ids
    )
    .fetch_all(db)
    .await
}

/// When an author's items were blinded since `since` (restored ones no
/// longer count).
#[tracing::instrument(skip_all, fields(db.system = "postgresql"))]
pub async fn blindings_since(
    db: impl PgExecutor<'_>,
    author_id: i64,
    since: DateTime<Utc>,
) -> sqlx::Result<Vec<DateTime<Utc>>> {
    sqlx::query_scalar!(
        r#"
        select blinded_at as "blinded_at!" from report_stats
        where author_id = $1 and blinded_at > $2
        order by blinded_at
        "#,
        author_id,
        since
    )
    .fetch_all(db)
    .await
}

/// The `LISTEN` channel that says someone's write restriction may have
/// changed ([`signal_restriction_change`]); its payload is empty.
pub const RESTRICTIONS_CHANNEL: &str = "community_restrictions";

/// Signals [`RESTRICTIONS_CHANNEL`] when `db`'s transaction commits (an
/// item blinded or restored), naming no one.
pub async fn signal_restriction_change(db: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query!("select pg_notify('community_restrictions', '')")
        .execute(db)
        .await?;
    Ok(())
}
