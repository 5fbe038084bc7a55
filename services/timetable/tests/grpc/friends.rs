//! Friend requests, friendships and a friend's primary timetable.

use everytime_proto::timetable::v1::{self as pb, Visibility};
use tonic::Code;

use crate::{
    catalog::with_catalog,
    support::{SEMESTER, TestTimetable, User, authed, reason_and_fields},
};

#[tokio::test]
async fn friend_requests_go_from_asking_to_friends() {
    let service = TestTimetable::start().await;
    let (minsu, jiwoo, third) = (service.user(1, 1), service.user(2, 1), service.user(3, 1));
    let send = |from: &User, to: i64| {
        let mut friends = service.friends();
        let token = from.token.clone();
        async move {
            friends
                .send_friend_request(authed(pb::SendFriendRequestRequest { user_id: to }, &token))
                .await
                .map(tonic::Response::into_inner)
        }
    };
    let list = |user: &User| {
        let mut friends = service.friends();
        let token = user.token.clone();
        async move {
            friends
                .list_friend_requests(authed(pb::ListFriendRequestsRequest {}, &token))
                .await
                .expect("lists")
                .into_inner()
        }
    };
    let accept = |user: &User, request_id: i64| {
        let mut friends = service.friends();
        let token = user.token.clone();
        async move {
            friends
                .accept_friend_request(authed(
                    pb::AcceptFriendRequestRequest { request_id },
                    &token,
                ))
                .await
                .map(tonic::Response::into_inner)
        }
    };

    let sent = send(&minsu, jiwoo.id).await.expect("sends");
    let request = sent.request.expect("a request");
    assert!(!sent.accepted);
    assert_eq!(
        (request.from_user_id, request.to_user_id),
        (minsu.id, jiwoo.id)
    );
    assert_eq!(
        reason_and_fields(&send(&minsu, jiwoo.id).await.unwrap_err()).0,
        "already_requested"
    );
    assert_eq!(
        reason_and_fields(&send(&minsu, minsu.id).await.unwrap_err()).0,
        "cannot_befriend_self"
    );
    assert_eq!(list(&jiwoo).await.incoming.len(), 1);
    assert_eq!(list(&minsu).await.outgoing.len(), 1);

    // Only the recipient accepts: the sender is told no, anyone else sees nothing.
    assert_eq!(
        accept(&minsu, request.id).await.unwrap_err().code(),
        Code::PermissionDenied
    );
    assert_eq!(
        accept(&third, request.id).await.unwrap_err().code(),
        Code::NotFound
    );
    let friend = accept(&jiwoo, request.id)
        .await
        .expect("accepts")
        .friend
        .expect("a friend");
    assert_eq!(friend.user_id, minsu.id);
    assert_eq!(
        accept(&jiwoo, request.id).await.unwrap_err().code(),
        Code::NotFound
    );
    assert_eq!(
        reason_and_fields(&send(&jiwoo, minsu.id).await.unwrap_err()).0,
        "already_friends"
    );
    assert!(list(&jiwoo).await.incoming.is_empty());

    let friends_of = |user: &User| {
        let mut friends = service.friends();
        let token = user.token.clone();
        async move {
            friends
                .list_friends(authed(pb::ListFriendsRequest {}, &token))
                .await
                .expect("lists")
                .into_inner()
                .friends
                .into_iter()
                .map(|friend| friend.user_id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(friends_of(&minsu).await, [jiwoo.id]);
    assert_eq!(friends_of(&jiwoo).await, [minsu.id]);

    service
        .friends()
        .remove_friend(authed(
            pb::RemoveFriendRequest { user_id: minsu.id },
            &jiwoo.token,
        ))
        .await
        .expect("removes");
    assert!(friends_of(&minsu).await.is_empty(), "both sides");
    let again = service
        .friends()
        .remove_friend(authed(
            pb::RemoveFriendRequest { user_id: minsu.id },
            &jiwoo.token,
        ))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::NotFound);
}

#[tokio::test]
async fn friends_are_listed_newest_friendship_first() {
    let service = TestTimetable::start().await;
    let me = service.user(10, 1);
    let (a, b, c) = (
        service.user(30, 1),
        service.user(20, 1),
        service.user(40, 1),
    );
    // Neither by id nor in the order they were asked.
    service.befriend(&me, &a).await;
    service.befriend(&b, &me).await;
    service.befriend(&me, &c).await;

    let friends = service
        .friends()
        .list_friends(authed(pb::ListFriendsRequest {}, &me.token))
        .await
        .expect("lists")
        .into_inner()
        .friends;

    let ids: Vec<i64> = friends.iter().map(|friend| friend.user_id).collect();
    assert_eq!(ids, [40, 20, 30]);
}

#[tokio::test]
async fn asking_someone_who_asked_you_makes_you_friends_even_at_once() {
    let service = TestTimetable::start().await;
    let (a, b) = (service.user(1, 1), service.user(2, 1));
    let send = |from: &User, to: &User| {
        let mut friends = service.friends();
        let (token, to) = (from.token.clone(), to.id);
        async move {
            friends
                .send_friend_request(authed(pb::SendFriendRequestRequest { user_id: to }, &token))
                .await
                .map(tonic::Response::into_inner)
        }
    };

    let (first, second) = tokio::join!(send(&a, &b), send(&b, &a));

    let accepted: Vec<bool> = [first, second]
        .into_iter()
        .map(|result| result.expect("both succeed").accepted)
        .collect();
    assert_eq!(
        accepted.iter().filter(|accepted| **accepted).count(),
        1,
        "{accepted:?}"
    );
    let friends = service
        .friends()
        .list_friends(authed(pb::ListFriendsRequest {}, &a.token))
        .await
        .expect("lists")
        .into_inner()
        .friends;
    assert_eq!(
        friends.iter().map(|f| f.user_id).collect::<Vec<_>>(),
        [b.id]
    );
}

#[tokio::test]
async fn a_request_is_declined_by_its_recipient_or_cancelled_by_its_sender_only() {
    let service = TestTimetable::start().await;
    let (a, b, c) = (service.user(1, 1), service.user(2, 1), service.user(3, 1));
    let send = |from: &User, to: &User| {
        let mut friends = service.friends();
        let (token, to) = (from.token.clone(), to.id);
        async move {
            friends
                .send_friend_request(authed(pb::SendFriendRequestRequest { user_id: to }, &token))
                .await
                .expect("sends")
                .into_inner()
                .request
                .expect("a request")
                .id
        }
    };
    let delete = |user: &User, request_id: i64| {
        let mut friends = service.friends();
        let token = user.token.clone();
        async move {
            friends
                .delete_friend_request(authed(
                    pb::DeleteFriendRequestRequest { request_id },
                    &token,
                ))
                .await
        }
    };

    let declined = send(&a, &b).await;
    assert_eq!(
        delete(&c, declined).await.unwrap_err().code(),
        Code::NotFound
    );
    delete(&b, declined).await.expect("the recipient declines");
    let cancelled = send(&a, &b).await;
    delete(&a, cancelled).await.expect("the sender cancels");
    assert_eq!(
        delete(&a, cancelled).await.unwrap_err().code(),
        Code::NotFound
    );
}

#[tokio::test]
async fn a_friends_primary_timetable_is_shown_unless_private() {
    let (service, owner) = with_catalog().await;
    let friend = service.user(2, 1);
    let stranger = service.user(3, 1);
    service.befriend(&owner, &friend).await;
    let primary = service.create_timetable(&owner, None).await;
    service.create_timetable(&owner, None).await;
    let fetch = |viewer: &User| {
        let mut timetables = service.timetables();
        let token = viewer.token.clone();
        async move {
            timetables
                .get_friend_timetable(authed(
                    pb::GetFriendTimetableRequest {
                        user_id: 1,
                        semester: SEMESTER.into(),
                    },
                    &token,
                ))
                .await
                .map(|response| response.into_inner().timetable.expect("a timetable"))
        }
    };

    assert_eq!(
        fetch(&friend).await.expect("visible to friends").id,
        primary.id
    );
    assert_eq!(fetch(&stranger).await.unwrap_err().code(), Code::NotFound);
    service
        .set_visibility(&owner, primary.id, Visibility::Private)
        .await;
    assert_eq!(fetch(&friend).await.unwrap_err().code(), Code::NotFound);
    service
        .set_visibility(&owner, primary.id, Visibility::Public)
        .await;
    assert!(fetch(&friend).await.is_ok());
    assert_eq!(
        fetch(&stranger).await.unwrap_err().code(),
        Code::NotFound,
        "friends only, even when public"
    );
}

#[tokio::test]
async fn the_primary_timetable_is_absent_until_there_is_one() {
    let (service, user) = with_catalog().await;
    let primary = |semester: &str| {
        let mut timetables = service.timetables();
        let (token, semester) = (user.token.clone(), semester.to_owned());
        async move {
            timetables
                .get_primary_timetable(authed(pb::GetPrimaryTimetableRequest { semester }, &token))
                .await
                .map(|response| response.into_inner().timetable)
        }
    };

    assert_eq!(primary(SEMESTER).await.expect("answers"), None);
    let created = service.create_timetable(&user, None).await;
    assert_eq!(
        primary(SEMESTER).await.expect("answers").map(|t| t.id),
        Some(created.id)
    );
    assert_eq!(
        reason_and_fields(&primary("2026-7").await.unwrap_err()).1,
        ["semester"]
    );
}

#[tokio::test]
async fn my_timetable_is_the_primary_one_with_the_friend_list() {
    let (service, me) = with_catalog().await;
    let (friend, other) = (service.user(2, 1), service.user(3, 1));
    service.befriend(&me, &friend).await;
    service.befriend(&me, &other).await;
    let first_screen = |user: &User, semester: &str| {
        let mut timetables = service.timetables();
        let (token, semester) = (user.token.clone(), semester.to_owned());
        async move {
            timetables
                .get_my_timetable(authed(pb::GetMyTimetableRequest { semester }, &token))
                .await
                .map(tonic::Response::into_inner)
        }
    };
    let friend_list = service
        .friends()
        .list_friends(authed(pb::ListFriendsRequest {}, &me.token))
        .await
        .expect("lists")
        .into_inner()
        .friends;
    assert_eq!(friend_list.len(), 2);

    let before = first_screen(&me, SEMESTER).await.expect("answers");
    assert_eq!(before.timetable, None, "no timetable yet");
    assert_eq!(before.friends, friend_list);

    let primary = service.create_timetable(&me, None).await;
    let second = service.create_timetable(&me, None).await;
    let course = service.course_id(&me, "CSE2010-01").await;
    service.add(&me, primary.id, course).await.expect("adds");
    service
        .add(&me, second.id, service.course_id(&me, "CSE3020-01").await)
        .await
        .expect("adds");
    // A block of the caller's own, its sessions given out of order.
    let at = |day: pb::Day, start: &str, end: &str| pb::CustomEntrySession {
        day: day.into(),
        start: start.into(),
        end: end.into(),
    };
    service
        .timetables()
        .add_custom_entry(authed(
            pb::AddCustomEntryRequest {
                timetable_id: primary.id,
                name: "스터디".into(),
                place: String::new(),
                memo: String::new(),
                sessions: vec![
                    at(pb::Day::Friday, "18:00", "20:00"),
                    at(pb::Day::Tuesday, "19:00", "20:00"),
                    at(pb::Day::Tuesday, "08:00", "08:45"),
                ],
            },
            &me.token,
        ))
        .await
        .expect("adds the entry");
    let after = first_screen(&me, SEMESTER).await.expect("answers");
    let shown = after.timetable.expect("the primary timetable");
    assert_eq!(
        shown,
        service.get(&me, primary.id).await.expect("reads"),
        "the primary one, loaded as GetTimetable loads it"
    );
    assert_eq!(
        shown.courses.iter().map(|c| c.id).collect::<Vec<_>>(),
        [course]
    );
    let in_catalog = service.search(&me, "CSE2010").await;
    assert_eq!(
        shown.courses[0].sessions, in_catalog[0].sessions,
        "the course's sessions, by day and time, as the catalog lists them"
    );
    assert_eq!(shown.courses[0].sessions.len(), 2);
    let entries = &shown.custom_entries;
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0].sessions,
        [
            at(pb::Day::Tuesday, "08:00", "08:45"),
            at(pb::Day::Tuesday, "19:00", "20:00"),
            at(pb::Day::Friday, "18:00", "20:00"),
        ],
        "by day and start"
    );
    assert_eq!(after.friends, friend_list);

    let theirs = first_screen(&other, SEMESTER).await.expect("answers");
    assert_eq!(theirs.timetable, None, "only the caller's own");
    assert_eq!(
        theirs.friends.iter().map(|f| f.user_id).collect::<Vec<_>>(),
        [me.id]
    );
    assert_eq!(
        reason_and_fields(&first_screen(&me, "2026-7").await.unwrap_err()).1,
        ["semester"]
    );
}
