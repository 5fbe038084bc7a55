-- Nicknames are compared the way people read them: auth stores each one
-- NFKC-normalised (full-width `ｍｉｎｓｕ` is `minsu`, decomposed Hangul jamo
-- are composed syllables), and two that differ only in case are the same
-- nickname. Uniqueness moves from the exact text to lower() of the stored
-- form, keeping the constraint's name, which auth maps to `nickname_taken`.

alter table users drop constraint users_nickname_key;

-- Existing nicknames (and names) take their normalised form.
update users set nickname = normalize(nickname, NFKC)
where nickname is not NFKC normalized;
update users set name = normalize(name, NFKC)
where name is not NFKC normalized;

-- Nicknames that collide once normalised and folded: the oldest account
-- keeps it, each later one gets it with `_<id>` appended (and more `_` in
-- the unlikely case that is taken too), so the unique index below can be
-- built on any existing data. Those users can choose a new one.
do $$
declare
    clash record;
    candidate text;
begin
    for clash in
        select u.id, u.nickname
        from users u
        where exists (
            select 1 from users o
            where lower(o.nickname) = lower(u.nickname) and o.id < u.id
        )
        order by u.id
    loop
        candidate := clash.nickname || '_' || clash.id;
        while exists (select 1 from users where lower(nickname) = lower(candidate)) loop
            candidate := candidate || '_';
        end loop;
        update users set nickname = candidate, updated_at = now() where id = clash.id;
    end loop;
end
$$;

create unique index users_nickname_key on users (lower(nickname));
