-- migrate-database's write freeze of one database, in one transaction, by the superuser (the
-- container) or the instance's admin. A lock the app's role cannot lift: every table refuses
-- INSERT, UPDATE, DELETE and TRUNCATE (a statement trigger, reads keep working), and every DDL
-- from a role that is not a superuser is refused (an event trigger), so the app can neither drop
-- nor disable the triggers nor write to a table created after the freeze. session_replication_role,
-- the one setting that skips triggers, is the superuser's. Nothing here is a default a session can
-- SET away (default_transaction_read_only was).
SET search_path = pg_catalog;
SET lock_timeout = '60s';
-- Sessions in flight end (their open transactions roll back); the pools reconnect and read.
SELECT count(pg_terminate_backend(a.pid)) FROM pg_stat_activity a JOIN pg_roles r ON r.oid = a.usesysid
 WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND NOT r.rolsuper AND r.rolname <> current_user;
-- Not IF NOT EXISTS: a schema of this name that the app made fails the freeze.
CREATE SCHEMA platform_freeze;
REVOKE ALL ON SCHEMA platform_freeze FROM PUBLIC;
CREATE FUNCTION platform_freeze.refuse_write() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog AS $f$
BEGIN
  RAISE EXCEPTION 'writes are frozen: migrate-database is moving this database (reads keep working)' USING ERRCODE = 'read_only_sql_transaction';
END $f$;
CREATE FUNCTION platform_freeze.refuse_ddl() RETURNS event_trigger LANGUAGE plpgsql SET search_path = pg_catalog AS $f$
BEGIN
  IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN
    RAISE EXCEPTION '% refused: migrate-database is moving this database (writes are frozen)', tg_tag USING ERRCODE = 'read_only_sql_transaction';
  END IF;
END $f$;
-- Large objects are written by functions, not to a table: those are closed to everyone but the
-- superuser meanwhile (freeze-off.sql opens them again).
REVOKE EXECUTE ON FUNCTION lo_create(oid), lo_creat(integer), lo_from_bytea(oid, bytea), lowrite(integer, bytea), lo_put(oid, bigint, bytea),
  lo_truncate(integer, integer), lo_truncate64(integer, bigint), lo_unlink(oid) FROM PUBLIC;
CREATE EVENT TRIGGER platform_freeze ON ddl_command_start EXECUTE FUNCTION platform_freeze.refuse_ddl();
DO $d$
DECLARE t regclass;
BEGIN
  FOR t IN SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't'
              AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'platform_freeze') AND n.nspname NOT LIKE 'pg\_toast%'
  LOOP
    EXECUTE format('CREATE TRIGGER platform_freeze BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s FOR EACH STATEMENT EXECUTE FUNCTION platform_freeze.refuse_write()', t);
  END LOOP;
END $d$;
