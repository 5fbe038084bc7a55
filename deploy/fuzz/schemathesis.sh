#!/usr/bin/env bash
# Fuzzes the running gateway's REST API with schemathesis, driven by its own
# OpenAPI document: every phase (examples, coverage, fuzzing, stateful), as a
# signed-in member and, on the administrators' paths, as an administrator.
# Fails on any failure of the checks below, and on any 5xx.
#
#   deploy/fuzz/schemathesis.sh http://127.0.0.1:8080 ADMIN_USERNAME ADMIN_PASSWORD
#
# Needs `schemathesis` (PyPI) on PATH and a gateway with
# WRITE_RATE_LIMITS=off and generous AUTH_RATE_LIMIT_PER_MINUTE /
# SIGN_UP_RATE_LIMIT_PER_HOUR (the fuzzer writes faster than any user).
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
examples=${FUZZ_MAX_EXAMPLES:-25}

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
common=(
  --phases examples,coverage,fuzzing,stateful
  --checks all
  --exclude-checks positive_data_acceptance
  --max-examples "$examples"
  --request-timeout 10
  --workers 2
  --suppress-health-check all
)
skipped="$session_enders|/notifications/stream"

echo "== as a member"
schemathesis run "$base/api/v1/openapi.json" -H "Authorization: Bearer $member_token" \
  --exclude-path-regex "^/api/v1/admin/|$skipped" "${common[@]}"

echo "== as an administrator, on the administrators' paths"
schemathesis run "$base/api/v1/openapi.json" -H "Authorization: Bearer $admin_token" \
  --include-path-regex '^/api/v1/admin/' "${common[@]}"
