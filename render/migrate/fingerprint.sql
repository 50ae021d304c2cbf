-- What must be equal on both sides after a copy, computed by the server in one statement: per
-- table "table <rows> <checksum> <name as JSON>", per sequence "sequence <last value> <name>".
-- Names never pass through a shell (quoted by format('%I'), printed as JSON: no space or newline
-- splits them). Every function is pg_catalog's, and a row is read with record_out, not a cast:
-- nothing the app defined (a function shadowing one of these, a CAST from its row type) runs.
SET search_path = pg_catalog;
SELECT 'table ' || substring(query_to_xml(format(
         'SELECT count(*) || '' '' || coalesce(md5(string_agg(md5(textin(record_out(x))), '''' ORDER BY md5(textin(record_out(x))))), ''-'') AS f FROM %I.%I x',
         n.nspname, c.relname), false, true, '')::text FROM '<f>([^<]*)</f>')
       || ' ' || to_json(format('%I.%I', n.nspname, c.relname))::text
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND c.relpersistence <> 't'
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'platform_freeze') AND n.nspname NOT LIKE 'pg\_toast%'
 ORDER BY format('%I.%I', n.nspname, c.relname) COLLATE "C";
SELECT 'sequence ' || coalesce(last_value::text, '-') || ' ' || to_json(format('%I.%I', schemaname, sequencename))::text
  FROM pg_sequences WHERE schemaname <> 'platform_freeze'
 ORDER BY format('%I.%I', schemaname, sequencename) COLLATE "C";
