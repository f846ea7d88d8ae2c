#!/usr/bin/env bash
# Restore a backup made by backup.sh into a new (or empty) PostgreSQL database, then make
# it a working registry: append-only guards and view tables (`registry init`), the views
# rebuilt from the events, and the ledger verified against the head recorded at backup.
#
#   REGISTRY_SECRET_KEY=... infra/backup/restore.sh FILE.dump postgresql://registry_owner@127.0.0.1:5432/registry_restored
#
# The database is created when missing (the role needs CREATEDB) and refused when it
# already holds tables. Run as the owner role; afterwards grant the application role its
# privileges (infra/postgres/grants.sql). Use the installation's secret (REGISTRY_SECRET_KEY
# or REGISTRY_INSTANCE_PATH): the views keyed by it are rebuilt here.
# Exits 0 only if everything succeeded and the restored ledger verifies.
set -euo pipefail

usage() { echo "usage: $0 BACKUP.dump DATABASE_URL" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
dump=$1
url=$2
registry_bin=${REGISTRY_BIN:-registry}

case $url in postgres://*|postgresql://*) ;; *) echo "error: not a PostgreSQL URL: $url" >&2; exit 2;; esac
[[ -f $dump ]] || { echo "error: no backup at $dump" >&2; exit 2; }
if [[ -f $dump.sha256 ]]; then
  (cd "$(dirname "$dump")" && sha256sum --check --status "$(basename "$dump").sha256") \
    || { echo "error: $dump does not match its checksum" >&2; exit 1; }
fi
pg_restore --list "$dump" > /dev/null || { echo "error: $dump is not a pg_dump archive" >&2; exit 1; }
command -v "$registry_bin" >/dev/null 2>&1 || { echo "error: '$registry_bin' not found (set REGISTRY_BIN)" >&2; exit 2; }
if [[ -z ${REGISTRY_SECRET_KEY:-} && -z ${REGISTRY_INSTANCE_PATH:-} ]]; then
  echo "warning: neither REGISTRY_SECRET_KEY nor REGISTRY_INSTANCE_PATH is set: the views are" \
       "rebuilt with ./instance's secret, which must be the installation's" >&2
fi

base=${url%%\?*}
schema=public
if [[ $url == *\?* && ${url#*\?} =~ (^|&)schema=([^&]+) ]]; then schema=${BASH_REMATCH[2]}; fi
dbname=${base##*/}
maintenance=${base%/*}/postgres

exists=$(psql "$maintenance" -XtAc "SELECT 1 FROM pg_database WHERE datname = '$dbname'")
if [[ $exists == 1 ]]; then
  tables=$(psql "$base" -XtAc "SELECT count(*) FROM information_schema.tables WHERE table_schema = '$schema'")
  if [[ $tables != 0 ]]; then
    echo "error: $dbname already holds $tables tables in schema $schema; restore into a new database" >&2
    exit 1
  fi
else
  psql "$maintenance" -XqAc "CREATE DATABASE \"$dbname\""
  echo "created database $dbname"
fi
[[ $schema == public ]] || psql "$base" -XqAc "CREATE SCHEMA IF NOT EXISTS \"$schema\""

# The triggers refer to a function the dump does not hold; `registry init` recreates both.
toc=$(mktemp)
trap 'rm -f "$toc"' EXIT
pg_restore --list "$dump" | grep -v ' TRIGGER ' > "$toc"
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
  --use-list="$toc" --dbname="$base" "$dump"
# Fresh rows carry no hint bits or statistics: settle them once, not on every first read.
psql "$base" -XqAc "VACUUM (ANALYZE) \"$schema\".registry_events"
events=$(psql "$base" -XtAc "SELECT count(*) FROM \"$schema\".registry_events")
echo "restored $events events"

"$registry_bin" --database "$url" init
if "$registry_bin" projections --help >/dev/null 2>&1; then
  "$registry_bin" --database "$url" projections rebuild
else
  echo "note: this registry has no 'projections rebuild' command; the views fill as the follower runs" >&2
fi

published=()
if [[ -f $dump.head.json ]]; then
  head=$(python3 -c 'import json, sys; h = json.load(open(sys.argv[1])); print("%s:%s" % (h["position"], h["hash"]) if h.get("position") else "")' "$dump.head.json")
  [[ -n $head ]] && published=(--published "$head")
fi
"$registry_bin" --database "$url" ledger verify "${published[@]}"
