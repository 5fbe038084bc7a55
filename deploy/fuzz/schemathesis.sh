#!/usr/bin/env bash
# Fuzzes the running gateway's REST API with schemathesis, driven by its own
# OpenAPI document: every phase (examples, coverage, fuzzing, stateful), as a
# signed-in member and, on the administrators' paths, as an administrator.
# The stateful phase follows the document's links (a created post to its
# comments, a comment to its likes, ...). Fails on any failure of the
# checks below, on any 5xx, and when the two runs generated fewer than
# FUZZ_MIN_REQUESTS (default 1,000) requests between them.
#
#   deploy/fuzz/schemathesis.sh http://127.0.0.1:8080 ADMIN_USERNAME ADMIN_PASSWORD
#
# FUZZ_MAX_EXAMPLES (default 50) is the examples per operation and phase.
# Needs `schemathesis` (PyPI) on PATH and a gateway with
# WRITE_RATE_LIMITS=off and generous AUTH_RATE_LIMIT_PER_MINUTE /
# SIGN_UP_RATE_LIMIT_PER_HOUR (the fuzzer writes faster than any user).
# Settings beyond the command line are in schemathesis.toml beside this
# script (every run starts afresh; strings are UTF-8; long scenarios).
#
# What is left out, and why:
# - the check `positive_data_acceptance`: a request the schema allows is not
#   always one the API can accept (signed cursors, ids of things that must
#   exist, lengths counted after trimming, "exactly one of"), and the answer
#   to those is a documented 400/404; every status is still checked against
#   the document (`status_code_conformance`), every body against its schema;
# - the operations that end the fuzzer's own session or account (sign-out,
#   revoking sessions, changing the password, deleting the account): the
#   rest of the run would only see 401s; their own tests cover them;
# - `GET /notifications/stream`: an event stream never ends, so a fuzzer's
#   request cannot complete; `community_api::notifications` tests it.
set -euo pipefail
base=${1:?the gateway base URL}
admin_user=${2:?the administrator username}
admin_password=${3:?the administrator password}
examples=${FUZZ_MAX_EXAMPLES:-50}
min_requests=${FUZZ_MIN_REQUESTS:-1000}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

json_field() { python3 -c "import sys, json; print(json.load(sys.stdin)$1)"; }

sign_in() {
  curl -sf -X POST "$base/api/v1/auth/sign-in" -H 'content-type: application/json' \
    -d "{\"username\": \"$1\", \"password\": \"$2\"}" | json_field '["access_token"]'
}

member=fuzz$(date +%s)
curl -sf -X POST "$base/api/v1/auth/sign-up" -H 'content-type: application/json' -d "{
  \"username\": \"$member\", \"email\": \"$member@example.ac.kr\",
  \"password\": \"correct horse battery\", \"nickname\": \"퍼저$((RANDOM % 1000))\",
  \"name\": \"퍼저\", \"school_id\": 1}" >/dev/null
member_token=$(sign_in "$member" 'correct horse battery')
admin_token=$(sign_in "$admin_user" "$admin_password")

session_enders='/auth/sign-out|/auth/sessions/|/users/me$|/users/me/password'
# One worker: with two, Hypothesis parses Python source in both threads at
# once, which CPython 3.11's `ast.parse` does not survive now and then
# ("AST constructor recursion depth mismatch", python/cpython#106905).
common=(
  --phases examples,coverage,fuzzing,stateful
  --checks all
  --exclude-checks positive_data_acceptance
  --max-examples "$examples"
  --request-timeout 10
  --workers 1
  --suppress-health-check all
)
skipped="$session_enders|/notifications/stream"

failed=0
total=0
# fuzz RUN DESCRIPTION ARGS...: one schemathesis run; adds the requests it
# generated to `total`, and sets `failed` on a failure, an error or a 5xx
# (which the checks report too; the count is said here as well).
fuzz() {
  local run=$1 description=$2
  shift 2
  echo "== $description"
  schemathesis --config-file "$here/schemathesis.toml" run "$base/api/v1/openapi.json" "$@" \
    "${common[@]}" --report har --report-dir "$work/$run" | tee "$work/$run.log" || failed=1
  local generated server_errors
  generated=$(grep -oE '[0-9]+ generated' "$work/$run.log" | tail -n 1 | cut -d ' ' -f 1)
  server_errors=$(python3 -c '
import json, pathlib, sys
print(sum(entry["response"]["status"] >= 500
          for har in pathlib.Path(sys.argv[1]).glob("*")
          for entry in json.loads(har.read_text())["log"]["entries"]))' "$work/$run")
  echo "== $description: ${generated:-0} requests generated, $server_errors answered 5xx"
  total=$((total + ${generated:-0}))
  [ "$server_errors" -eq 0 ] || failed=1
}

fuzz member "as a member" -H "Authorization: Bearer $member_token" \
  --exclude-path-regex "^/api/v1/admin/|$skipped"
fuzz admin "as an administrator, on the administrators' paths" \
  -H "Authorization: Bearer $admin_token" --include-path-regex '^/api/v1/admin/'

echo "== $total requests generated in all"
if [ "$total" -lt "$min_requests" ]; then
  echo "fewer than $min_requests requests: raise FUZZ_MAX_EXAMPLES" >&2
  failed=1
fi
exit "$failed"
