#!/usr/bin/env bash
# Start the registry on PostgreSQL the way production runs it, and check that it answers.
#
#   REGISTRY_DATABASE_URL=postgresql://registry_app:PW@127.0.0.1:5432/registry \
#   REGISTRY_OWNER_DATABASE_URL=postgresql://registry_owner:PW@127.0.0.1:5432/registry \
#   REGISTRY_INSTANCE_PATH=/var/lib/registry infra/start.sh [--check]
#
# 1. `registry init` as the owner role (DDL, once; safe to repeat), then the application
#    role's table privileges (infra/postgres/grants.sql) when the two roles differ;
# 2. the projection follower (`registry projections run`) and gunicorn (web.wsgi:app,
#    infra/gunicorn.conf.py), both as the application role with CREATE_TABLE=n;
# 3. waits until GET /api/v1/openapi.json answers 200 (REGISTRY_START_TIMEOUT, 60 s).
# With --check it then stops both and exits 0 (CI); otherwise it keeps them running
# until one of them stops or the script is interrupted.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
check=0
[[ "${1:-}" == "--check" ]] && check=1

: "${REGISTRY_DATABASE_URL:?set REGISTRY_DATABASE_URL to the postgresql:// URL of the application role}"
owner_url="${REGISTRY_OWNER_DATABASE_URL:-$REGISTRY_DATABASE_URL}"
bind="${REGISTRY_BIND:-127.0.0.1:8000}"
timeout_s="${REGISTRY_START_TIMEOUT:-60}"
registry_bin="${REGISTRY_BIN:-registry}"
gunicorn_bin="${GUNICORN_BIN:-gunicorn}"
export REGISTRY_BIND="$bind" REGISTRY_FOLLOW=0

role_of() {  # the user name of a postgresql:// URL
  python3 -c 'import sys, urllib.parse as u; print(u.unquote(u.urlsplit(sys.argv[1]).username or "postgres"))' "$1"
}

echo "start: initialising the database as $(role_of "$owner_url")"
REGISTRY_DATABASE_URL="$owner_url" "$registry_bin" init
app_role="$(role_of "$REGISTRY_DATABASE_URL")"
if [[ "$app_role" != "$(role_of "$owner_url")" ]]; then
  echo "start: granting table privileges to $app_role"
  psql -q -v ON_ERROR_STOP=1 -v app="$app_role" -f "$here/postgres/grants.sql" "$owner_url" >/dev/null
fi

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "start: projection follower"
"$registry_bin" projections run &
pids+=($!)
echo "start: web on http://$bind/"
(cd "$root" && exec "$gunicorn_bin" -c "$here/gunicorn.conf.py" web.wsgi:app) &
pids+=($!)

url="http://$bind/api/v1/openapi.json"
deadline=$((SECONDS + timeout_s))
answers() {
  python3 -c 'import sys, urllib.request as r; sys.exit(0 if r.urlopen(sys.argv[1], timeout=2).status == 200 else 1)' "$1" 2>/dev/null
}
until answers "$url"
do
  for pid in "${pids[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "start: a process exited early" >&2; exit 1; fi
  done
  if (( SECONDS >= deadline )); then echo "start: $url did not answer in ${timeout_s}s" >&2; exit 1; fi
  sleep 0.5
done
sleep 1  # a follower that cannot start fails within a second: do not call that "up"
for pid in "${pids[@]}"; do
  if ! kill -0 "$pid" 2>/dev/null; then echo "start: a process exited early" >&2; exit 1; fi
done
echo "start: $url answers; registry is up"

if (( check )); then
  exit 0
fi
wait -n "${pids[@]}"
echo "start: a process stopped; stopping the rest" >&2
exit 1
