#!/usr/bin/env bash
# Postgres init for docker compose and Kubernetes: one database, the
# extensions, and for each service a login role that owns its schema and can
# touch nothing else. Runs once, on an empty data directory, as the superuser
# (the postgres image runs every script in /docker-entrypoint-initdb.d/).
#
# Passwords come from the environment (secrets), never from this file:
#   AUTH_DB_PASSWORD, COMMUNITY_DB_PASSWORD, TIMETABLE_DB_PASSWORD
set -euo pipefail

: "${AUTH_DB_PASSWORD:?set AUTH_DB_PASSWORD}"
: "${COMMUNITY_DB_PASSWORD:?set COMMUNITY_DB_PASSWORD}"
: "${TIMETABLE_DB_PASSWORD:?set TIMETABLE_DB_PASSWORD}"
database=${POSTGRES_DB:-everytime}

psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname "$database" \
  -v auth_password="$AUTH_DB_PASSWORD" \
  -v community_password="$COMMUNITY_DB_PASSWORD" \
  -v timetable_password="$TIMETABLE_DB_PASSWORD" \
  -v database="$database" <<'SQL'
-- Extensions live in public, which every service has on its search_path.
create extension if not exists pg_trgm with schema public;
create extension if not exists btree_gist with schema public;

-- Nobody creates objects in public; each service writes only its own schema.
revoke create on schema public from public;

create role everytime_auth login password :'auth_password';
create role everytime_community login password :'community_password';
create role everytime_timetable login password :'timetable_password';

create schema auth authorization everytime_auth;
create schema community authorization everytime_community;
create schema timetable authorization everytime_timetable;

grant connect on database :"database" to everytime_auth, everytime_community, everytime_timetable;
SQL
