//! The event channel's durable consumer (`everytime_common::events`) on the
//! timetable's own database: each event applied once whatever the delivery
//! (repeats, a kill between applying and acknowledging, replicas side by
//! side), in order, and retried, never skipped, while it fails. The source
//! is a stand-in that serves a fixed list of events and records the
//! acknowledgements; the database is real.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use everytime_common::events::{self, Consumer, EventStream, Handler, HandlerError, Source};
use everytime_proto::auth::v1::{self as pb, watch_events_response::Event};
use futures::StreamExt;
use sqlx::{PgConnection, PgPool};

use crate::support::TestTimetable;

/// Serves `events` from a position (or, repeating itself, from the start
/// whatever the position), then stays open; records acknowledgements.
struct ListSource {
    events: Vec<pb::WatchEventsResponse>,
    from_the_start: bool,
    acknowledged: Mutex<Vec<i64>>,
}

/// A consumer's handle on a shared [`ListSource`].
struct Feed(Arc<ListSource>);

#[async_trait::async_trait]
impl Source for Feed {
    type Envelope = pb::WatchEventsResponse;

    async fn subscribe(&self, position: i64) -> Result<EventStream, tonic::Status> {
        let list = &self.0;
        let events: Vec<_> = list
            .events
            .iter()
            .filter(|event| list.from_the_start || event.position > position)
            .cloned()
            .map(Ok)
            .collect();
        Ok(futures::stream::iter(events)
            .chain(futures::stream::pending())
            .boxed())
    }

    async fn acknowledge(&self, _consumer: &str, position: i64) -> Result<(), tonic::Status> {
        self.0
            .acknowledged
            .lock()
            .expect("not poisoned")
            .push(position);
        Ok(())
    }
}

/// Records each user id it is given in `applied`, in the event's
/// transaction; fails the first `failures` tries of user 2.
struct Recorder {
    failures: AtomicUsize,
}

#[async_trait::async_trait]
impl Handler for Recorder {
    type Event = Event;

    async fn apply(&self, tx: &mut PgConnection, event: &Event) -> Result<(), HandlerError> {
        let Event::UserDeleted(deleted) = event else {
            return Ok(());
        };
        sqlx::query("insert into applied (user_id) values ($1)")
            .bind(deleted.user_id)
            .execute(&mut *tx)
            .await?;
        if deleted.user_id == 2
            && self
                .failures
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                    left.checked_sub(1)
                })
                .is_ok()
        {
            return Err("the effect failed".into());
        }
        Ok(())
    }
}

fn deleted(position: i64, user_id: i64) -> pb::WatchEventsResponse {
    pb::WatchEventsResponse {
        position,
        event_time: None,
        event: Some(Event::UserDeleted(pb::UserDeleted { user_id })),
    }
}

/// Positions 1, 2 (a kind this consumer skips), 4 and 7: users 1, 2, 3.
fn three_deletions() -> Vec<pb::WatchEventsResponse> {
    vec![
        deleted(1, 1),
        pb::WatchEventsResponse {
            position: 2,
            event_time: None,
            event: Some(Event::NicknameChanged(pb::NicknameChanged { user_id: 9 })),
        },
        deleted(4, 2),
        deleted(7, 3),
    ]
}

async fn pool(timetable: &TestTimetable) -> PgPool {
    let options: sqlx::postgres::PgConnectOptions =
        timetable.database_url.parse().expect("a database URL");
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(4)
        .connect_with(options.options([("search_path", "timetable")]))
        .await
        .expect("connects");
    sqlx::query("create table applied (id serial primary key, user_id bigint not null)")
        .execute(&pool)
        .await
        .expect("a table to record in");
    pool
}

fn start(pool: &PgPool, source: &Arc<ListSource>, failures: usize) -> tokio::task::JoinHandle<()> {
    tokio::spawn(
        Consumer {
            name: "test",
            position_key: "test",
            pool: pool.clone(),
            source: Feed(source.clone()),
            handler: Arc::new(Recorder {
                failures: AtomicUsize::new(failures),
            }),
        }
        .run(),
    )
}

async fn applied(pool: &PgPool) -> Vec<i64> {
    sqlx::query_scalar("select user_id from applied order by id")
        .fetch_all(pool)
        .await
        .expect("reads")
}

/// Waits (up to 10 s) until `applied` holds `expected`.
async fn until_applied(pool: &PgPool, expected: &[i64]) {
    for _ in 0..200 {
        if applied(pool).await == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("applied {:?}, expected {expected:?}", applied(pool).await);
}

#[tokio::test]
async fn each_event_is_applied_once_across_repeats_kills_and_replicas() {
    let timetable = TestTimetable::start().await;
    let pool = pool(&timetable).await;
    let source = Arc::new(ListSource {
        events: three_deletions(),
        from_the_start: false,
        acknowledged: Mutex::new(Vec::new()),
    });

    // Applied, then killed before any acknowledgement went out.
    let first = start(&pool, &source, 0);
    until_applied(&pool, &[1, 2, 3]).await;
    first.abort();
    assert_eq!(
        events::stored_position(&pool, "test")
            .await
            .expect("a position"),
        7
    );

    // A source that sends everything again, and two replicas at once.
    let repeating = Arc::new(ListSource {
        events: three_deletions(),
        from_the_start: true,
        acknowledged: Mutex::new(Vec::new()),
    });
    let replicas = [start(&pool, &repeating, 0), start(&pool, &repeating, 0)];
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(applied(&pool).await, [1, 2, 3], "applied once");
    // The next event reaches exactly one of them.
    let more = Arc::new(ListSource {
        events: [three_deletions(), vec![deleted(8, 4)]].concat(),
        from_the_start: true,
        acknowledged: Mutex::new(Vec::new()),
    });
    let later = [start(&pool, &more, 0), start(&pool, &more, 0)];
    until_applied(&pool, &[1, 2, 3, 4]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(applied(&pool).await, [1, 2, 3, 4]);
    for task in replicas.into_iter().chain(later) {
        task.abort();
    }
}

#[tokio::test]
async fn a_failing_event_is_retried_in_place_never_skipped() {
    let timetable = TestTimetable::start().await;
    let pool = pool(&timetable).await;
    let source = Arc::new(ListSource {
        events: three_deletions(),
        from_the_start: false,
        acknowledged: Mutex::new(Vec::new()),
    });

    // User 2's event fails three times: a failed try leaves nothing (its
    // row is rolled back with it) and user 3 waits behind it.
    let consumer = start(&pool, &source, 3);
    until_applied(&pool, &[1, 2, 3]).await;
    consumer.abort();
    assert_eq!(
        events::stored_position(&pool, "test")
            .await
            .expect("a position"),
        7
    );
}

#[tokio::test]
async fn the_position_is_acknowledged_to_the_source() {
    let timetable = TestTimetable::start().await;
    let pool = pool(&timetable).await;
    let source = Arc::new(ListSource {
        events: three_deletions(),
        from_the_start: false,
        acknowledged: Mutex::new(Vec::new()),
    });
    let consumer = start(&pool, &source, 0);
    until_applied(&pool, &[1, 2, 3]).await;
    // The first tick acknowledges at once; the next within ACK_INTERVAL.
    let deadline = tokio::time::Instant::now() + events::ACK_INTERVAL + Duration::from_secs(2);
    while tokio::time::Instant::now() < deadline {
        if source.acknowledged.lock().expect("not poisoned").last() == Some(&7) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    consumer.abort();
    let acknowledged = source.acknowledged.lock().expect("not poisoned").clone();
    assert_eq!(acknowledged.last(), Some(&7), "{acknowledged:?}");
    assert!(
        acknowledged.windows(2).all(|pair| pair[0] < pair[1]),
        "{acknowledged:?}"
    );
}
