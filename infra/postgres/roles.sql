-- Least-privilege roles and the database of the registry (run once, as a superuser):
--
--   psql -v ON_ERROR_STOP=1 -v db=registry -v owner=registry_owner -v app=registry_app \
--        -v owner_password=... -v app_password=... -f infra/postgres/roles.sql
--
-- The owner role owns the database and every table: it runs `registry init` (DDL) and
-- `projections rebuild`. The application role, used by the web workers and the projection
-- follower (with CREATE_TABLE=n), may only connect and use the schema; its table
-- privileges are granted after `registry init` by grants.sql.

SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'owner', :'owner_password')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L NOSUPERUSER NOCREATEDB NOCREATEROLE',
              :'app', :'app_password')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8'' TEMPLATE template0',
              :'db', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec

SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'db', :'app') \gexec

\connect :db
SELECT format('ALTER SCHEMA public OWNER TO %I', :'owner') \gexec
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SELECT format('GRANT USAGE ON SCHEMA public TO %I', :'app') \gexec
