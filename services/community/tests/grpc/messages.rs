//! 쪽지 over real gRPC: every reply of `MessageService` to either side of
//! an anonymous conversation is scanned for the other's id, and the
//! notifications it causes too.

use everytime_proto::community::v1 as pb;

use crate::support::{SCHOOL, TestCommunity};

/// The anonymous writer and the sender: ids long enough that nothing else
/// in a reply can contain them by chance.
const WRITER: i64 = 73_400_320_017;
const SENDER: i64 = 61_200_450_023;

#[track_caller]
fn assert_hidden(what: &str, reply: &impl std::fmt::Debug, hidden: i64) {
    let text = format!("{reply:?}");
    assert!(
        !text.contains(&hidden.to_string()),
        "{what} reveals {hidden}: {text}"
    );
}

#[tokio::test]
async fn no_reply_to_either_side_of_an_anonymous_conversation_carries_the_others_id() {
    let community = TestCommunity::start().await;
    let writer = community.user(WRITER, SCHOOL);
    let sender = community.user(SENDER, SCHOOL);
    let free = writer.board("자유게시판").await;
    let post = writer
        .post(free, "익명 질문", "누구게", true)
        .await
        .summary
        .unwrap()
        .id;
    let comment = writer
        .client()
        .create_comment(writer.authed(pb::CreateCommentRequest {
            post_id: post,
            content: "익명 댓글".into(),
            anonymous: true,
            parent_id: None,
        }))
        .await
        .unwrap()
        .into_inner()
        .comment
        .unwrap()
        .id;

    let started = sender
        .messages()
        .start_conversation(sender.authed(pb::StartConversationRequest {
            post_id: Some(post),
            comment_id: None,
            content: "안녕하세요".into(),
        }))
        .await
        .expect("starts")
        .into_inner();
    let conversation = started.conversation.clone().unwrap();
    assert_eq!(
        conversation.counterpart,
        Some(pb::Counterpart {
            nickname: "익명".into(),
            anonymous: true
        })
    );
    assert_hidden("StartConversation", &started, WRITER);
    let from_comment = sender
        .messages()
        .start_conversation(sender.authed(pb::StartConversationRequest {
            post_id: None,
            comment_id: Some(comment),
            content: "댓글 보고".into(),
        }))
        .await
        .expect("starts")
        .into_inner();
    assert_hidden("StartConversation from a comment", &from_comment, WRITER);

    let answered = writer
        .messages()
        .send_message(writer.authed(pb::SendMessageRequest {
            conversation_id: conversation.id,
            content: "네".into(),
        }))
        .await
        .expect("sends")
        .into_inner();
    assert_hidden("SendMessage", &answered, SENDER);

    for (side, user, hidden) in [("writer", &writer, SENDER), ("sender", &sender, WRITER)] {
        let list = user
            .messages()
            .list_conversations(user.authed(pb::ListConversationsRequest::default()))
            .await
            .expect("lists")
            .into_inner();
        assert_eq!(list.items.len(), 2, "{side}");
        assert!(
            list.items
                .iter()
                .all(|item| item.counterpart.as_ref().is_some_and(|c| c.anonymous)),
            "{side}: {list:?}"
        );
        assert_hidden(&format!("{side}'s ListConversations"), &list, hidden);
        let messages = user
            .messages()
            .list_messages(user.authed(pb::ListMessagesRequest {
                conversation_id: conversation.id,
                page_size: None,
                page_token: String::new(),
            }))
            .await
            .expect("reads")
            .into_inner();
        assert_eq!(messages.items.len(), 2);
        assert_hidden(&format!("{side}'s ListMessages"), &messages, hidden);
        let notifications = user
            .notifications()
            .list_notifications(user.authed(pb::ListNotificationsRequest::default()))
            .await
            .expect("lists")
            .into_inner();
        assert!(!notifications.items.is_empty(), "{side}");
        assert_hidden(
            &format!("{side}'s ListNotifications"),
            &notifications,
            hidden,
        );
    }
    // A stranger does not learn the conversation exists.
    let stranger = community.user(99, SCHOOL);
    let refused = stranger
        .messages()
        .list_messages(stranger.authed(pb::ListMessagesRequest {
            conversation_id: conversation.id,
            page_size: None,
            page_token: String::new(),
        }))
        .await
        .expect_err("not theirs");
    assert_eq!(refused.code(), tonic::Code::NotFound);
}
