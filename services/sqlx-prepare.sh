#!/usr/bin/env bash
# Regenerates the offline query data (`services/<service>/.sqlx/`) that lets
# `sqlx::query!` check every query at compile time without a database.
# Run it after changing a query or a migration, and commit the result.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres services/sqlx-prepare.sh
#
# Needs sqlx-cli (`cargo install sqlx-cli --no-default-features --features postgres`)
# and a Postgres superuser URL; it creates and drops a scratch database there.
# With `--check` it only verifies that the committed data is up to date.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
admin=${DATABASE_URL:?set DATABASE_URL to a Postgres superuser URL}
check=${1:-}
scratch=everytime_sqlx_prepare
base=${admin%/*}

psql -q "$admin" -c "drop database if exists $scratch with (force)" -c "create database $scratch"
trap 'psql -q "$admin" -c "drop database if exists $scratch with (force)"' EXIT

for service in auth community timetable; do
  dir="$root/services/$service"
  [ -d "$dir/migrations" ] || continue
  url="$base/$scratch?options=-csearch_path%3D$service%2Cpublic"
  psql -q "$base/$scratch" -c "create schema if not exists $service"
  sqlx migrate run --source "$dir/migrations" --database-url "$url"
  (cd "$dir" && DATABASE_URL="$url" SQLX_OFFLINE=false cargo sqlx prepare $check -- --all-targets)
done
