-- Before shared_db's definitions are restored in sections (the rows by an app's login between
-- them), its foreign keys go: they are the one part of the post-data section a table's DROP would
-- trip over. The restore's post-data section makes them again. Names are quoted by the server.
SET search_path = pg_catalog;
DO $d$
DECLARE c record;
BEGIN
  FOR c IN SELECT conrelid::regclass AS t, conname FROM pg_constraint WHERE contype = 'f' AND conrelid <> 0
            AND connamespace NOT IN (SELECT oid FROM pg_namespace WHERE nspname IN ('pg_catalog', 'information_schema'))
  LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.t, c.conname);
  END LOOP;
END $d$;
