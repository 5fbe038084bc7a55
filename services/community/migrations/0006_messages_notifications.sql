-- 쪽지 (conversations between two users, started from a post or comment so
-- an anonymous author stays anonymous) and 알림 (notifications, created in
-- the transaction of what caused them, streamed live).

-- Users auth said were deleted (its UserDeleted event): a 쪽지 to what they
-- wrote is refused, and their side of a conversation shows as gone.
create table deleted_users (
    user_id bigint primary key,
    deleted_at timestamptz not null default now()
);

-- One conversation per sender, recipient and origin (a post, or a comment
-- of it). The origin's title and board are kept as they were, so the
-- conversation outlives its post. `anonymous` is the origin's: when it was
-- anonymous, each side sees the other as 익명.
create table conversations (
    id bigint generated always as identity primary key,
    school_id bigint not null,
    starter_id bigint not null,
    recipient_id bigint not null,
    origin_post_id bigint not null,
    origin_comment_id bigint,
    origin_board_id bigint not null,
    origin_title text not null,
    anonymous boolean not null,
    blocked_at timestamptz,
    created_at timestamptz not null default now(),
    constraint conversations_origin_key
        unique nulls not distinct (starter_id, recipient_id, origin_post_id, origin_comment_id),
    constraint conversations_two_sides check (starter_id <> recipient_id)
);

-- Each side's view of a conversation: its place in the side's list (the
-- latest message's id, the same for both sides), unread messages, and what
-- the side deleted. A deleted conversation is hidden from its side's list
-- until a later message brings it back with only the messages after
-- `cleared_through`.
create table conversation_members (
    conversation_id bigint not null references conversations (id) on delete cascade,
    user_id bigint not null,
    last_message_id bigint not null,
    unread_count integer not null default 0,
    visible boolean not null default true,
    cleared_through bigint not null default 0,
    constraint conversation_members_pkey primary key (conversation_id, user_id),
    constraint conversation_members_unread_check check (unread_count >= 0)
);

-- The 쪽지함 (latest activity first) and the unread count walk these.
create index conversation_members_list_idx
    on conversation_members (user_id, last_message_id desc) where visible;
create index conversation_members_unread_idx
    on conversation_members (user_id) include (unread_count) where unread_count > 0;

create table messages (
    id bigint generated always as identity primary key,
    conversation_id bigint not null references conversations (id) on delete cascade,
    sender_id bigint not null,
    content text not null,
    created_at timestamptz not null default now(),
    constraint messages_content_length check (char_length(content) between 1 and 1000)
);

create index messages_conversation_idx on messages (conversation_id, id);

-- 쪽지 are limited per user too (20 a minute by default).
alter table write_events drop constraint write_events_kind_check;
alter table write_events add constraint write_events_kind_check
    check (kind in ('post', 'comment', 'like', 'board', 'report', 'message'));

-- A user's notifications, newest first by id. `text` is what the app shows,
-- written when the notification is.
create table notifications (
    id bigint generated always as identity primary key,
    user_id bigint not null,
    kind text not null,
    text text not null,
    post_id bigint,
    comment_id bigint,
    read boolean not null default false,
    created_at timestamptz not null default now(),
    constraint notifications_kind_check
        check (kind in ('comment', 'reply', 'hot', 'blinded', 'message', 'friend_request'))
);

create index notifications_user_idx on notifications (user_id, id);
create index notifications_unread_idx on notifications (user_id, id) where not read;

-- One row per user who was ever notified. notify() locks it before the
-- notification takes its id, so a user's notifications commit in id order:
-- a live stream that has sent id n never finds a smaller id committed after.
create table notification_heads (
    user_id bigint primary key,
    last_id bigint not null default 0
);

-- Records a notification for `recipient` and wakes the live streams
-- (every community replica LISTENs on `community_notifications`; the
-- payload is the recipient's id, delivered at commit). Its id.
create function notify(
    recipient bigint, kind text, body text, post bigint, comment bigint
) returns bigint
language plpgsql as $$
declare
    created bigint;
begin
    insert into notification_heads as h (user_id) values (recipient)
        on conflict (user_id) do update set last_id = h.last_id;
    insert into notifications (user_id, kind, text, post_id, comment_id)
        values (recipient, kind, body, post, comment)
        returning id into created;
    update notification_heads set last_id = created where user_id = recipient;
    perform pg_notify('community_notifications', recipient::text);
    return created;
end;
$$;
