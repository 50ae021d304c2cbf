-- The freeze's own objects in a dump's table of contents ("catalog oid", as pg_restore -l lists
-- them): a copy leaves them out, so the restored side is not frozen (and an app's login, which
-- may not create an event trigger, can restore it).
SET search_path = pg_catalog;
WITH f AS (SELECT p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'platform_freeze')
SELECT 'pg_namespace'::regclass::oid || ' ' || oid FROM pg_namespace WHERE nspname = 'platform_freeze'
UNION ALL SELECT 'pg_proc'::regclass::oid || ' ' || oid FROM f
UNION ALL SELECT 'pg_trigger'::regclass::oid || ' ' || t.oid FROM pg_trigger t WHERE t.tgfoid IN (SELECT oid FROM f)
UNION ALL SELECT 'pg_event_trigger'::regclass::oid || ' ' || e.oid FROM pg_event_trigger e WHERE e.evtfoid IN (SELECT oid FROM f);
