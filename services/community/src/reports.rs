//! 신고 and blinding: a user reports someone else's post or comment once,
//! for one of the app's seven reasons (10 reports a day: [`limits`]); the
//! [`State::reports_to_blind`]-th different reporter blinds it, exactly once
//! however many report at the same moment (the count row is locked while
//! each report is counted). A blinded post leaves every list but its
//! author's own; a blinded comment shows without author or content. An
//! author with 3 items blinded within 30 days may not post, comment or send
//! 쪽지 for 7 days ([`restriction`]); administrators list what was reported
//! and restore an item, which also takes it off its author's record.
//!
//! **Caches of restrictions.** A blinding or a restore signals
//! [`store::RESTRICTIONS_CHANNEL`] in its transaction, naming no one; each
//! replica's listener ([`crate::notifications::NotificationHub`]) passes it
//! to the open `WatchWriteRestrictionChanges` streams ([`watch_changes`]),
//! and a cache behind one (the gateway's) drops everything. The signal
//! names no user, so nothing ties an anonymous blinded item to its author;
//! blindings are rare, so dropping everything costs little. It needs no
//! durability: a stream's first message, and one after this replica's
//! listener reconnects, also mean "drop everything".

use std::collections::HashMap;

use chrono::Utc;
use everytime_common::{grpc::timestamp, page, token::Caller};
use everytime_proto::community::v1 as pb;
use tokio::sync::mpsc;
use tonic::{Status, codegen::tokio_stream::wrappers::ReceiverStream};

use crate::{
    State,
    domain::{
        BLIND_WINDOW, NotificationKind, PREVIEW_CHARACTERS, RESTRICTION, ReportReason,
        ReportedKind, notice, restricted_until,
    },
    error::{Error, Result},
    limits::{self, Write},
    notifications::{self, Notice},
    posts,
    store::{comments::comment_owner, notifications as notification_store, reports as store},
};

/// `ReportPost`.
pub async fn report_post(
    state: &State,
    caller: &Caller,
    request: pb::ReportPostRequest,
) -> Result<pb::ReportPostResponse> {
    let reason = ReportReason::parse(&request.reason).map_err(Error::field)?;
    let tx = limits::begin(state, caller.user_id, Write::Report).await?;
    // The post held against deletion while it is reported.
    let (mut tx, post) = posts::lock_in(tx, request.post_id, caller.school_id).await?;
    if post.author_id == caller.user_id {
        return Err(Error::Own("post"));
    }
    let reported = Reported {
        kind: ReportedKind::Post,
        id: request.post_id,
        post_id: request.post_id,
        author_id: post.author_id,
    };
    record(state, &mut tx, caller, &reported, reason).await?;
    tx.commit().await?;
    Ok(pb::ReportPostResponse {})
}

/// `ReportComment`.
pub async fn report_comment(
    state: &State,
    caller: &Caller,
    request: pb::ReportCommentRequest,
) -> Result<pb::ReportCommentResponse> {
    let reason = ReportReason::parse(&request.reason).map_err(Error::field)?;
    let owner = comment_owner(&state.pool, request.comment_id, caller.school_id)
        .await?
        .ok_or(Error::NotFound("comment"))?;
    if owner.author_id == caller.user_id {
        return Err(Error::Own("comment"));
    }
    let tx = limits::begin(state, caller.user_id, Write::Report).await?;
    let (mut tx, _) = posts::lock_in(tx, owner.post_id, caller.school_id).await?;
    let reported = Reported {
        kind: ReportedKind::Comment,
        id: request.comment_id,
        post_id: owner.post_id,
        author_id: owner.author_id,
    };
    record(state, &mut tx, caller, &reported, reason).await?;
    tx.commit().await?;
    Ok(pb::ReportCommentResponse {})
}

/// What is reported, and whose it is.
struct Reported {
    kind: ReportedKind,
    id: i64,
    /// The post, or the comment's post.
    post_id: i64,
    author_id: i64,
}

/// Records the caller's report of `item` in `tx` and counts it under the
/// item's count row; the report that reaches the threshold blinds it.
async fn record(
    state: &State,
    tx: &mut sqlx::PgConnection,
    caller: &Caller,
    item: &Reported,
    reason: ReportReason,
) -> Result<()> {
    let kind = item.kind.name();
    if !store::insert_report(tx, kind, item.id, caller.user_id, reason.name()).await? {
        return Err(Error::AlreadyReported);
    }
    let (count, blinded) = store::count_report(
        tx,
        kind,
        item.id,
        caller.school_id,
        item.post_id,
        item.author_id,
    )
    .await?;
    if !blinded && count >= reports_to_blind(state) {
        let text = match item.kind {
            ReportedKind::Post => {
                store::blind_post(tx, item.id).await?;
                notice::blinded_post(&notification_store::post_title(tx, item.id).await?)
            }
            ReportedKind::Comment => {
                store::blind_comment(tx, item.id).await?;
                notice::blinded_comment(&notification_store::comment_content(tx, item.id).await?)
            }
        };
        let blinded = Notice {
            kind: NotificationKind::Blinded,
            text,
            post_id: Some(item.post_id),
            comment_id: (item.kind == ReportedKind::Comment).then_some(item.id),
        };
        notifications::record(tx, item.author_id, caller.user_id, blinded).await?;
        store::signal_restriction_change(tx).await?;
        tracing::info!(kind, id = item.id, reports = count, "blinded by reports");
    }
    Ok(())
}

/// `ListReports`: administrators only, their school's, most reported first.
pub async fn list_reports(
    state: &State,
    caller: &Caller,
    request: pb::ListReportsRequest,
) -> Result<pb::ListReportsResponse> {
    if !caller.is_admin() {
        return Err(Error::AdminOnly);
    }
    let scope = format!("reports:{}", caller.school_id);
    let page = page::page_request::<(i32, String, i64)>(
        &state.cursors,
        &scope,
        request.page_size,
        &request.page_token,
    )?;
    let (count, kind, id) = page
        .after
        .clone()
        .unwrap_or((i32::MAX, String::new(), i64::MAX));
    // Before every kind when starting: "post" > "comment" > "".
    let kind = if page.after.is_none() {
        "~".to_owned()
    } else {
        kind
    };
    let mut rows = store::reported_page(
        &state.pool,
        caller.school_id,
        (count, &kind, id),
        page.fetch(),
        i32::from(PREVIEW_CHARACTERS),
    )
    .await?;
    let next_page_token = page::finish_page(&state.cursors, &scope, &mut rows, page.size, |row| {
        (row.report_count, row.kind.clone(), row.item_id)
    });
    let kinds: Vec<String> = rows.iter().map(|row| row.kind.clone()).collect();
    let ids: Vec<i64> = rows.iter().map(|row| row.item_id).collect();
    let mut reasons: HashMap<(String, i64), HashMap<String, i32>> = HashMap::new();
    for count in store::reasons(&state.pool, &kinds, &ids).await? {
        reasons
            .entry((count.kind, count.item_id))
            .or_default()
            .insert(count.reason, i32::try_from(count.count).unwrap_or(i32::MAX));
    }
    let items = rows
        .into_iter()
        .map(|row| pb::ReportedItem {
            reasons: reasons
                .remove(&(row.kind.clone(), row.item_id))
                .unwrap_or_default(),
            kind: row.kind,
            id: row.item_id,
            post_id: row.post_id,
            report_count: row.report_count,
            blinded: row.blinded,
            excerpt: row.excerpt,
        })
        .collect();
    Ok(pb::ListReportsResponse {
        items,
        next_page_token,
    })
}

/// `RestoreReported`: administrators only.
pub async fn restore(
    state: &State,
    caller: &Caller,
    request: pb::RestoreReportedRequest,
) -> Result<pb::RestoreReportedResponse> {
    if !caller.is_admin() {
        return Err(Error::AdminOnly);
    }
    let kind = ReportedKind::parse(&request.kind).map_err(Error::field)?;
    let mut tx = state.pool.begin().await?;
    if !store::restore(&mut tx, kind.name(), request.id, caller.school_id).await? {
        return Err(Error::NotFound("report"));
    }
    store::signal_restriction_change(&mut tx).await?;
    tx.commit().await?;
    tracing::info!(
        kind = kind.name(),
        id = request.id,
        "reported item restored"
    );
    Ok(pb::RestoreReportedResponse {})
}

/// `GetWriteRestriction`.
pub async fn get_write_restriction(
    state: &State,
    caller: &Caller,
    _request: pb::GetWriteRestrictionRequest,
) -> Result<pb::GetWriteRestrictionResponse> {
    Ok(pb::GetWriteRestrictionResponse {
        restricted_until: restriction(state, caller.user_id).await?.map(timestamp),
    })
}

/// What a `WatchWriteRestrictionChanges` stream sends.
pub type RestrictionChanges =
    ReceiverStream<std::result::Result<pb::WatchWriteRestrictionChangesResponse, Status>>;

/// `WatchWriteRestrictionChanges`: a message now, then one after each
/// change this replica hears of (changes while one is being sent come
/// together in the next), until the caller hangs up or the server drains.
pub fn watch_changes(state: &State) -> RestrictionChanges {
    let (sender, receiver) = mpsc::channel(1);
    let mut changes = state.notification_hub.restriction_changes();
    let mut closing = state.notification_hub.closing();
    tokio::spawn(async move {
        loop {
            changes.borrow_and_update();
            let message = pb::WatchWriteRestrictionChangesResponse {};
            if sender.send(Ok(message)).await.is_err() {
                return;
            }
            tokio::select! {
                changed = changes.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
                _ = closing.wait_for(|closing| *closing) => return,
                () = sender.closed() => return,
            }
        }
    });
    ReceiverStream::new(receiver)
}

/// Until when `user_id` may not write, if that is still to come.
pub async fn restriction(state: &State, user_id: i64) -> Result<Option<chrono::DateTime<Utc>>> {
    let now = Utc::now();
    let blindings =
        store::blindings_since(&state.pool, user_id, now - BLIND_WINDOW - RESTRICTION).await?;
    Ok(restricted_until(&blindings, now))
}

/// [`Error::WriteRestricted`] while `user_id` is restricted: posts,
/// comments and 쪽지 check it first.
pub async fn ensure_may_write(state: &State, user_id: i64) -> Result<()> {
    match restriction(state, user_id).await? {
        Some(until) => Err(Error::WriteRestricted(until)),
        None => Ok(()),
    }
}

fn reports_to_blind(state: &State) -> i32 {
    i32::try_from(state.reports_to_blind).unwrap_or(i32::MAX)
}
