#!/usr/bin/env bash
# Regenerates the offline query data (`services/<service>/.sqlx/`) that lets
# `sqlx::query!` check every query at compile time without a database.
# Run it after changing a query or a migration, and commit the result.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres services/sqlx-prepare.sh [--check] [service ...]
#
# With no service named, it does all three. `--check` only verifies that the
# committed data is up to date. Needs sqlx-cli
# (`cargo install sqlx-cli --no-default-features --features postgres`) and a
# Postgres superuser URL; it creates and drops a scratch database per service.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
admin=${DATABASE_URL:?set DATABASE_URL to a Postgres superuser URL}
base=${admin%/*}
check=()
services=()
for arg in "$@"; do
  case "$arg" in
    --check) check=(--check) ;;
    *) services+=("$arg") ;;
  esac
done
[ ${#services[@]} -gt 0 ] || services=(auth community timetable)

for service in "${services[@]}"; do
  dir="$root/services/$service"
  [ -d "$dir/migrations" ] || { echo "no service $service" >&2; exit 1; }
  scratch="everytime_sqlx_prepare_$service"
  psql -q "$admin" -c "drop database if exists $scratch with (force)" -c "create database $scratch"
  psql -q "$base/$scratch" -c "create schema $service" \
    -c "create extension if not exists pg_trgm with schema public" \
    -c "create extension if not exists btree_gist with schema public"
  url="$base/$scratch?options=-csearch_path%3D$service%2Cpublic"
  sqlx migrate run --source "$dir/migrations" --database-url "$url"
  (cd "$dir" && DATABASE_URL="$url" SQLX_OFFLINE=false cargo sqlx prepare "${check[@]}" -- --all-targets)
  psql -q "$admin" -c "drop database if exists $scratch with (force)"
done
