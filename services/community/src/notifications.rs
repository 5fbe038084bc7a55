//! 알림: a user's notifications, recorded in the transaction of what caused
//! them ([`record`]: a comment, a reply, a post reaching HOT, a blinding, a
//! 쪽지; a friend request from the timetable service's events), never for
//! one's own action; read marks; and the live stream.
//!
//! **Live delivery.** Every community replica holds one `LISTEN` connection
//! on the channel `notify()` signals at commit, with the recipient's id as
//! payload ([`NotificationHub`]); it wakes that user's open streams on this
//! replica, and each stream reads what is new from the table. The table is
//! the truth, the signal carries nothing: a stream sends each notification
//! once, in id order, because it keeps the last id it sent and a user's
//! notifications commit in id order (`notify()` takes a per-user row lock
//! before the id). So whichever replica wrote it, each open stream on any
//! replica gets each notification once, within a commit and a wake-up; a
//! stream also looks every [`POLL_INTERVAL`] in case a signal was lost
//! while the listener reconnected. `LISTEN/NOTIFY` rather than the event
//! channel: notifications are community's own rows, the signal needs no
//! durability (the stream resumes from the table), and it costs one
//! connection per replica, not one per stream.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use everytime_common::{grpc::timestamp, page, token::Caller};
use everytime_proto::community::v1 as pb;
use sqlx::{PgConnection, PgPool, postgres::PgListener};
use tokio::sync::{mpsc, watch};
use tonic::{Status, codegen::tokio_stream::wrappers::ReceiverStream};

use crate::{
    State,
    domain::NotificationKind,
    error::{Error, Result},
    store::{
        notifications::{self as store, CHANNEL, NewNotification, NotificationRow},
        reports::RESTRICTIONS_CHANNEL,
    },
};

/// A stream looks for new notifications at least this often.
pub const POLL_INTERVAL: Duration = Duration::from_secs(5);

/// At most this many ids per read mark.
pub const MAX_READ_IDS: usize = 100;

/// Notifications read and sent per query.
const BATCH: i64 = 100;

/// What a notification is about.
#[derive(Debug, Clone)]
pub struct Notice {
    pub kind: NotificationKind,
    /// What the app shows ([`crate::domain::notice`]).
    pub text: String,
    pub post_id: Option<i64>,
    pub comment_id: Option<i64>,
}

/// Records a notification for `recipient` in `tx`, unless `recipient` is
/// the one who acted (`actor`): no one is notified of their own action.
pub async fn record(
    tx: &mut PgConnection,
    recipient: i64,
    actor: i64,
    notice: Notice,
) -> Result<()> {
    if recipient == actor {
        return Ok(());
    }
    store::notify(
        tx,
        &NewNotification {
            recipient,
            kind: notice.kind.name(),
            text: &notice.text,
            post_id: notice.post_id,
            comment_id: notice.comment_id,
        },
    )
    .await?;
    Ok(())
}

/// `ListNotifications`: newest first.
pub async fn list(
    state: &State,
    caller: &Caller,
    request: pb::ListNotificationsRequest,
) -> Result<pb::ListNotificationsResponse> {
    let scope = format!("notifications:{}", caller.user_id);
    let page = page::page_request::<i64>(
        &state.cursors,
        &scope,
        request.page_size,
        &request.page_token,
    )?;
    let mut rows = store::page(
        &state.pool,
        caller.user_id,
        page.after.unwrap_or(i64::MAX),
        page.fetch(),
    )
    .await?;
    let next_page_token =
        page::finish_page(&state.cursors, &scope, &mut rows, page.size, |row| row.id);
    Ok(pb::ListNotificationsResponse {
        items: rows.into_iter().map(notification).collect(),
        next_page_token,
    })
}

/// `GetUnreadNotificationCount`.
pub async fn unread_count(
    state: &State,
    caller: &Caller,
    _request: pb::GetUnreadNotificationCountRequest,
) -> Result<pb::GetUnreadNotificationCountResponse> {
    Ok(pb::GetUnreadNotificationCountResponse {
        count: store::unread_count(&state.pool, caller.user_id).await?,
    })
}

/// `MarkNotificationsRead`: the listed ones of the caller's, or all.
pub async fn mark_read(
    state: &State,
    caller: &Caller,
    request: pb::MarkNotificationsReadRequest,
) -> Result<pb::MarkNotificationsReadResponse> {
    if request.ids.len() > MAX_READ_IDS {
        return Err(Error::field(everytime_common::validate::FieldError::new(
            "ids",
            format!("at most {MAX_READ_IDS} ids at a time"),
        )));
    }
    let ids = (!request.ids.is_empty()).then_some(request.ids.as_slice());
    store::mark_read(&state.pool, caller.user_id, ids).await?;
    Ok(pb::MarkNotificationsReadResponse {})
}

/// What a stream sends.
pub type NotificationStream = ReceiverStream<Result<pb::WatchNotificationsResponse, Status>>;

/// `WatchNotifications`: the caller's notifications after `after_id`, or
/// from now on, as they come.
pub async fn watch(
    state: &State,
    caller: &Caller,
    request: pb::WatchNotificationsRequest,
) -> Result<NotificationStream> {
    let after = match request.after_id {
        Some(id) => id.max(0),
        None => store::latest_id(&state.pool, caller.user_id).await?,
    };
    let (sender, receiver) = mpsc::channel(16);
    let wake = state.notification_hub.subscribe(caller.user_id);
    let mut closing = state.notification_hub.closing();
    let pool = state.pool.clone();
    let user_id = caller.user_id;
    tokio::spawn(async move {
        tokio::select! {
            () = send_new(pool, wake, user_id, after, sender) => {}
            _ = closing.wait_for(|closing| *closing) => {}
        }
    });
    Ok(ReceiverStream::new(receiver))
}

/// Sends `user_id`'s notifications after `after` until the caller hangs up
/// or the database fails (then the stream ends with `UNAVAILABLE`; the
/// client resumes after the last id it got).
async fn send_new(
    pool: PgPool,
    mut wake: Subscription,
    user_id: i64,
    mut after: i64,
    sender: mpsc::Sender<Result<pb::WatchNotificationsResponse, Status>>,
) {
    loop {
        // Marked seen before the query, so a commit during it wakes us again.
        wake.seen();
        let rows = match store::after(&pool, user_id, after, BATCH).await {
            Ok(rows) => rows,
            Err(error) => {
                tracing::warn!(%error, "cannot read notifications");
                let _ = sender
                    .send(Err(Status::unavailable("notifications cannot be read")))
                    .await;
                return;
            }
        };
        let full = i64::try_from(rows.len()).is_ok_and(|count| count >= BATCH);
        for row in rows {
            after = row.id;
            let item = pb::WatchNotificationsResponse {
                notification: Some(notification(row)),
            };
            if sender.send(Ok(item)).await.is_err() {
                return;
            }
        }
        if full {
            continue;
        }
        tokio::select! {
            alive = wake.changed() => {
                if !alive {
                    return;
                }
            }
            () = tokio::time::sleep(POLL_INTERVAL) => {}
            () = sender.closed() => return,
        }
    }
}

/// Wakes the open streams of a user when `notify()` signals their id,
/// and the open `WatchWriteRestrictionChanges` streams when a blinding or
/// restore signals ([`crate::reports`]). One `LISTEN` connection per
/// community process, on both channels.
#[derive(Debug)]
pub struct NotificationHub {
    streams: Mutex<HashMap<i64, watch::Sender<u64>>>,
    /// Wakes every stream (after the listener reconnected).
    everyone: watch::Sender<u64>,
    /// Moves when someone's write restriction may have changed, or the
    /// listener reconnected (a signal may have been missed).
    restrictions: watch::Sender<u64>,
    /// Set at shutdown: streams end, so draining does not wait for them.
    closing: watch::Sender<bool>,
}

impl Default for NotificationHub {
    fn default() -> Self {
        NotificationHub {
            streams: Mutex::new(HashMap::new()),
            everyone: watch::Sender::new(0),
            restrictions: watch::Sender::new(0),
            closing: watch::Sender::new(false),
        }
    }
}

/// A stream's wake-ups: its user's, and everyone's.
struct Subscription {
    user: watch::Receiver<u64>,
    everyone: watch::Receiver<u64>,
}

impl Subscription {
    /// Marks every wake-up so far seen.
    fn seen(&mut self) {
        self.user.borrow_and_update();
        self.everyone.borrow_and_update();
    }

    /// The next wake-up; `false` when the hub is gone.
    async fn changed(&mut self) -> bool {
        tokio::select! {
            changed = self.user.changed() => changed.is_ok(),
            changed = self.everyone.changed() => changed.is_ok(),
        }
    }
}

impl NotificationHub {
    /// Ends every open stream, now and for streams opened from now on.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Turns true when the server drains.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Moves whenever someone's write restriction may have changed.
    pub fn restriction_changes(&self) -> watch::Receiver<u64> {
        self.restrictions.subscribe()
    }

    fn restrictions_changed(&self) {
        self.restrictions
            .send_modify(|count| *count = count.wrapping_add(1));
    }

    fn subscribe(&self, user_id: i64) -> Subscription {
        let mut streams = self
            .streams
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        // Now and then, users whose streams all ended go, so the map
        // stays the size of the open streams.
        if streams.len() % 256 == 255 {
            streams.retain(|_, sender| sender.receiver_count() > 0);
        }
        let user = streams
            .entry(user_id)
            .or_insert_with(|| watch::Sender::new(0))
            .subscribe();
        Subscription {
            user,
            everyone: self.everyone.subscribe(),
        }
    }

    fn wake(&self, user_id: i64) {
        let streams = self
            .streams
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if let Some(sender) = streams.get(&user_id) {
            sender.send_modify(|count| *count = count.wrapping_add(1));
        }
    }

    fn wake_everyone(&self) {
        self.everyone
            .send_modify(|count| *count = count.wrapping_add(1));
    }

    /// Listens for `notify()` signals for as long as it runs, reconnecting
    /// after a failure (the streams' polling covers the gap).
    pub async fn listen(self: Arc<Self>, pool: PgPool) {
        loop {
            if let Err(error) = self.listen_once(&pool).await {
                tracing::warn!(%error, "notification signals lost; reconnecting");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }

    async fn listen_once(&self, pool: &PgPool) -> sqlx::Result<()> {
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen_all([CHANNEL, RESTRICTIONS_CHANNEL]).await?;
        // What committed while no one listened is found by this wake-up,
        // and caches of restrictions start over.
        self.wake_everyone();
        self.restrictions_changed();
        loop {
            let signal = listener.recv().await?;
            if signal.channel() == RESTRICTIONS_CHANNEL {
                self.restrictions_changed();
                continue;
            }
            match signal.payload().parse::<i64>() {
                Ok(user_id) => self.wake(user_id),
                Err(_) => self.wake_everyone(),
            }
        }
    }
}

fn notification(row: NotificationRow) -> pb::Notification {
    pb::Notification {
        id: row.id,
        kind: row.kind,
        text: row.text,
        post_id: row.post_id,
        comment_id: row.comment_id,
        read: row.read,
        created_at: Some(timestamp(row.created_at)),
    }
}
