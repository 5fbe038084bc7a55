//! Per-user write limits: at most one post per board every 30 seconds, 10
//! comments and 30 likes (of posts and comments together) a minute and 3
//! boards a day, 10 reports a day and 20 쪽지 a minute, by default ([`WriteLimits`]); over one, `RESOURCE_EXHAUSTED`
//! with the delay until the next write would pass (`429 too_fast` with
//! `Retry-After` at the gateway).
//!
//! The limits hold across replicas because the writes are counted in the
//! database ([`crate::store::limits`]), and they hold when one user's
//! requests race because the check runs under a per-user lock taken first
//! in the write's own transaction: racing writes are counted one after
//! another, and a write that fails afterwards (an unknown post, a second
//! like) rolls its count back with it. With the limits off nothing is run
//! at all.

use std::time::Duration;

use sqlx::{PgConnection, Postgres, Transaction};

use crate::{
    State,
    domain::{WriteLimit, WriteLimits},
    error::{Error, Result},
    store::limits as store,
};

/// A write that a limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// A post on this board (limited per board).
    Post {
        /// The board.
        board_id: i64,
    },
    /// A comment or reply.
    Comment,
    /// A like (공감) of a post or a comment.
    Like,
    /// A new board.
    Board,
    /// A report (신고) of a post or comment.
    Report,
    /// A 쪽지.
    Message,
}

impl Write {
    /// The `write_events.kind` it is counted as.
    fn kind(self) -> &'static str {
        match self {
            Write::Post { .. } => "post",
            Write::Comment => "comment",
            Write::Like => "like",
            Write::Board => "board",
            Write::Report => "report",
            Write::Message => "message",
        }
    }

    /// What the limit is counted within: the board for posts, else the
    /// user alone (0).
    fn scope(self) -> i64 {
        match self {
            Write::Post { board_id } => board_id,
            Write::Comment | Write::Like | Write::Board | Write::Report | Write::Message => 0,
        }
    }

    /// What the refusal says the caller writes too fast.
    fn what(self) -> &'static str {
        match self {
            Write::Post { .. } => "posts on this board",
            Write::Comment => "comments",
            Write::Like => "likes",
            Write::Board => "boards",
            Write::Report => "reports",
            Write::Message => "messages",
        }
    }

    fn limit(self, limits: &WriteLimits) -> WriteLimit {
        match self {
            Write::Post { .. } => limits.posts_per_board,
            Write::Comment => limits.comments,
            Write::Like => limits.likes,
            Write::Board => limits.boards,
            Write::Report => limits.reports,
            Write::Message => limits.messages,
        }
    }
}

/// Starts the transaction `write` is made in, with the write admitted
/// (see [`admit`]).
pub(crate) async fn begin(
    state: &State,
    user_id: i64,
    write: Write,
) -> Result<Transaction<'static, Postgres>> {
    let mut tx = state.pool.begin().await?;
    admit(&mut tx, &state.write_limits, user_id, write).await?;
    Ok(tx)
}

/// Counts `write` by `user_id` in the transaction `tx`, which must not
/// have taken other locks yet (the per-user lock comes first, so no two
/// writes wait on each other in opposite orders); [`Error::TooFast`] when
/// its limit is reached.
pub(crate) async fn admit(
    tx: &mut PgConnection,
    limits: &WriteLimits,
    user_id: i64,
    write: Write,
) -> Result<()> {
    if !limits.enabled {
        return Ok(());
    }
    let limit = write.limit(limits);
    store::lock_writer(tx, user_id).await?;
    let blocked_for = store::record_write(
        tx,
        user_id,
        write.kind(),
        write.scope(),
        i64::from(limit.max),
        limit.window.as_secs_f64(),
    )
    .await?;
    match blocked_for {
        None => Ok(()),
        Some(seconds_left) => {
            tracing::info!(user_id, kind = write.kind(), "write refused: too fast");
            Err(Error::TooFast {
                what: write.what(),
                retry_after: retry_after(seconds_left),
            })
        }
    }
}

/// Whole seconds, rounded up and at least one: `Retry-After` counts whole
/// seconds, and a retry any earlier would be refused again.
fn retry_after(seconds_left: f64) -> Duration {
    Duration::from_secs_f64(seconds_left.ceil().max(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_rounds_up_to_whole_seconds_and_is_never_zero() {
        assert_eq!(retry_after(29.2), Duration::from_secs(30));
        assert_eq!(retry_after(30.0), Duration::from_secs(30));
        assert_eq!(retry_after(0.0), Duration::from_secs(1));
        assert_eq!(retry_after(-0.5), Duration::from_secs(1));
    }

    #[test]
    fn posts_are_limited_per_board_and_the_rest_per_user() {
        let limits = WriteLimits::default();
        assert_eq!(Write::Post { board_id: 7 }.scope(), 7);
        assert_eq!(Write::Like.scope(), 0);
        assert_eq!(
            Write::Post { board_id: 7 }.limit(&limits),
            WriteLimit {
                max: 1,
                window: Duration::from_secs(30)
            }
        );
        assert_eq!(Write::Comment.limit(&limits).max, 10);
        assert_eq!(Write::Like.limit(&limits).max, 30);
        assert_eq!(Write::Board.limit(&limits).window, WriteLimits::DAY);
    }
}
