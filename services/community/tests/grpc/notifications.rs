//! 알림's live stream over real gRPC: two replicas of the service on one
//! database each deliver a notification written through the other, once,
//! to their open streams; streams end when their replica shuts down.

use std::time::Duration;

use everytime_proto::community::v1 as pb;
use futures::StreamExt;
use tonic::Streaming;

use crate::support::{SCHOOL, TestCommunity, User};

async fn watch(user: &User, after_id: Option<i64>) -> Streaming<pb::WatchNotificationsResponse> {
    user.notifications()
        .watch_notifications(user.authed(pb::WatchNotificationsRequest { after_id }))
        .await
        .expect("watches")
        .into_inner()
}

async fn next_id(
    stream: &mut Streaming<pb::WatchNotificationsResponse>,
    wait: Duration,
) -> Option<i64> {
    match tokio::time::timeout(wait, stream.next()).await {
        Ok(Some(Ok(item))) => item.notification.map(|notification| notification.id),
        _ => None,
    }
}

async fn comment(user: &User, post_id: i64, content: &str) {
    user.client()
        .create_comment(user.authed(pb::CreateCommentRequest {
            post_id,
            content: content.into(),
            anonymous: true,
            parent_id: None,
        }))
        .await
        .expect("comments");
}

#[tokio::test]
async fn every_open_stream_on_every_replica_gets_each_notification_once() {
    let first = TestCommunity::start().await;
    let second = first
        .replica(everytime_community::domain::WriteLimits::off())
        .await;
    let author_on_first = first.user(10, SCHOOL);
    let author_on_second = second.user(10, SCHOOL);
    let commenter_on_second = second.user(11, SCHOOL);
    let free = author_on_first.board("자유게시판").await;
    let post = author_on_first
        .post(free, "글", "내용", false)
        .await
        .summary
        .unwrap()
        .id;
    // Two streams on the first replica, one on the second.
    let mut streams = [
        watch(&author_on_first, None).await,
        watch(&author_on_first, None).await,
        watch(&author_on_second, None).await,
    ];
    // Written through the second replica, ten at once.
    futures::future::join_all((0..10).map(|i| {
        comment(
            &commenter_on_second,
            post,
            if i % 2 == 0 { "짝" } else { "홀" },
        )
    }))
    .await;
    for (index, stream) in streams.iter_mut().enumerate() {
        let mut got = Vec::new();
        while let Some(id) = next_id(stream, Duration::from_secs(2)).await {
            got.push(id);
            if got.len() == 10 {
                break;
            }
        }
        assert_eq!(got.len(), 10, "stream {index}: {got:?}");
        assert!(
            got.windows(2).all(|pair| pair[0] < pair[1]),
            "in order: {got:?}"
        );
        assert_eq!(
            next_id(stream, Duration::from_millis(300)).await,
            None,
            "each once"
        );
    }

    // A replica shutting down ends its streams rather than hold them.
    let mut on_second = watch(&author_on_second, None).await;
    second.stop().await;
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(_)) = on_second.next().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream ended with its server");
}
