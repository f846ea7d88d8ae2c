-- Table privileges of the application role; run after `registry init` (and after any
-- rebuild that recreated tables), as the owner role:
--
--   psql -v ON_ERROR_STOP=1 -v app=registry_app -f infra/postgres/grants.sql "$OWNER_URL"
--
-- The event table: SELECT and INSERT, plus UPDATE only because eventsourcing's insert
-- takes LOCK TABLE ... IN EXCLUSIVE MODE, which PostgreSQL allows only to a role with
-- UPDATE, DELETE or TRUNCATE; the append-only triggers reject every actual UPDATE,
-- DELETE and TRUNCATE. The ledger's tables only grow (a new checkpoint, the newest one
-- extended, a verification recorded): no DELETE. The views and tracking take plain DML.

SELECT format('GRANT SELECT, INSERT, UPDATE ON TABLE %I.%I TO %I',
              schemaname, tablename, :'app')
  FROM pg_tables
 WHERE schemaname = current_schema() AND tablename = 'registry_events' \gexec

SELECT format('GRANT SELECT, INSERT, UPDATE ON TABLE %I.%I TO %I',
              schemaname, tablename, :'app')
  FROM pg_tables
 WHERE schemaname = current_schema() AND tablename LIKE 'ledger\_%' \gexec

SELECT format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %I.%I TO %I',
              schemaname, tablename, :'app')
  FROM pg_tables
 WHERE schemaname = current_schema() AND tablename <> 'registry_events'
   AND tablename NOT LIKE 'ledger\_%' \gexec

SELECT format('GRANT USAGE, SELECT ON SEQUENCE %I.%I TO %I',
              sequence_schema, sequence_name, :'app')
  FROM information_schema.sequences
 WHERE sequence_schema = current_schema() \gexec
