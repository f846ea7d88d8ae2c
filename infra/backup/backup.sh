#!/usr/bin/env bash
# Back up the registry's event store from PostgreSQL: the events, the ledger's checkpoints
# and its verification trail, in pg_dump's custom format. The views are not backed up:
# they are rebuilt from the events on restore (infra/backup/restore.sh).
#
#   infra/backup/backup.sh postgresql://registry_owner@127.0.0.1:5432/registry [FILE.dump]
#
# Writes FILE.dump, FILE.dump.sha256 and, when the `registry` command is available,
# FILE.dump.head.json: the ledger head read just before the dump, which restore.sh checks
# the restored chain against. Run it as a role that can read those tables (the owner).
# The installation secret (instance/secret_key or REGISTRY_SECRET_KEY) is NOT in the dump:
# keep it apart, as a secret; without it teachers cannot be found by PIN after a restore.
# Nor is the credentials' signing key (instance/signing_key): keep it with the secret.
set -euo pipefail

usage() { echo "usage: $0 DATABASE_URL [OUTPUT.dump]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
url=$1
out=${2:-registry-$(date -u +%Y%m%dT%H%M%SZ).dump}
registry_bin=${REGISTRY_BIN:-registry}

case $url in postgres://*|postgresql://*) ;; *) echo "error: not a PostgreSQL URL: $url" >&2; exit 2;; esac
# Our URLs may name a schema (?schema=...), which libpq does not understand.
base=${url%%\?*}
schema=public
if [[ $url == *\?* && ${url#*\?} =~ (^|&)schema=([^&]+) ]]; then schema=${BASH_REMATCH[2]}; fi
[[ -e $out ]] && { echo "error: $out exists; not overwriting a backup" >&2; exit 1; }

if ! psql "$base" -XtAc "SELECT 1 FROM pg_tables WHERE schemaname = '$schema' AND tablename = 'registry_events'" | grep -q 1; then
  echo "error: $base has no registry event store (schema $schema)" >&2; exit 1
fi

# The head first: the dump (one snapshot, taken after) holds at least the events it covers.
if command -v "$registry_bin" >/dev/null 2>&1; then
  "$registry_bin" --database "$url" ledger status --json > "$out.head.json"
else
  echo "note: '$registry_bin' not found; no ledger head recorded beside the backup" >&2
fi

pg_dump --format=custom --compress=6 --no-owner --no-privileges \
  --table="$schema.registry_events" --table="$schema.ledger_checkpoints" \
  --table="$schema.ledger_verifications" --file="$out.partial" "$base"
pg_restore --list "$out.partial" > /dev/null   # the archive must be readable
mv "$out.partial" "$out"
(cd "$(dirname "$out")" && sha256sum "$(basename "$out")" > "$(basename "$out").sha256")

events=$(psql "$base" -XtAc "SELECT count(*) FROM \"$schema\".registry_events")
echo "backed up $events events (schema $schema) to $out ($(du -h "$out" | cut -f1))"
