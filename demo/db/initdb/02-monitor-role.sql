-- The role Pilot Monitor connects as (demo/pilot.env): it may read `matches` and the
-- server's activity statistics, and write nothing.
--
-- Run once by the postgres image from /docker-entrypoint-initdb.d, in POSTGRES_DB, after
-- 01-matches.sql. Plain SQL only (no psql meta-commands), so the tests can run the same file
-- through psycopg2; safe to run again (a role belongs to the whole cluster, and the tests
-- apply this file to several databases of one server). The database is current_database(),
-- so the file works in any database that has a `matches` table.
--
-- What the monitor needs, and nothing more:
--   LOGIN                           it connects with a password, over TCP
--   default_transaction_read_only   every transaction it opens is read-only unless it asks
--                                   otherwise (the monitor's session is read-only anyway)
--   CONNECT on the database         PUBLIC has it by default; granted in case that was revoked
--   USAGE on schema public          to see the table in it
--   SELECT on matches               the counts; no other table, no future tables: a pilot
--                                   that watches another table needs its own GRANT SELECT
--   pg_read_all_stats               to see other sessions in pg_stat_activity (their queries
--                                   and states), not their data
-- No INSERT, UPDATE, DELETE, TRUNCATE, CREATE or ownership of anything. The password is the
-- demo's; a real stack's admin chooses one (README, "A read-only database role").

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'pilot_monitor') THEN
        CREATE ROLE pilot_monitor LOGIN PASSWORD 'pilot-monitor-demo-password';
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO pilot_monitor', current_database());
END
$$;

ALTER ROLE pilot_monitor SET default_transaction_read_only = on;
GRANT USAGE ON SCHEMA public TO pilot_monitor;
GRANT SELECT ON TABLE matches TO pilot_monitor;
GRANT pg_read_all_stats TO pilot_monitor;
