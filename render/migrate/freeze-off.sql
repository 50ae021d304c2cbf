-- The end of migrate-database's write freeze of one database (idempotent). The schema goes only if
-- the freeze made it (owned by whoever freezes): never a schema of the app's own of that name.
SET search_path = pg_catalog;
SET client_min_messages = warning;
DROP EVENT TRIGGER IF EXISTS platform_freeze;
DO $d$
BEGIN
  IF EXISTS (SELECT FROM pg_namespace WHERE nspname = 'platform_freeze' AND nspowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)) THEN
    DROP SCHEMA platform_freeze CASCADE;
    GRANT EXECUTE ON FUNCTION lo_create(oid), lo_creat(integer), lo_from_bytea(oid, bytea), lowrite(integer, bytea), lo_put(oid, bigint, bytea),
      lo_truncate(integer, integer), lo_truncate64(integer, bigint), lo_unlink(oid) TO PUBLIC;
  END IF;
END $d$;
