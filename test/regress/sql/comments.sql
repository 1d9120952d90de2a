--
-- Every object that belongs to the extension has a comment (\dx+ reliability lists them):
-- functions, aggregates, types, tables, the view, the sequence. Objects of the extension
-- are those with an 'e' dependency on it in pg_depend.
--
SET client_min_messages = warning;  -- no NOTICEs listing what TRUNCATE ... CASCADE reaches
TRUNCATE reliability.machines CASCADE;

-- The objects of the extension, by kind (so a new object is noticed here).
SELECT CASE d.classid
           WHEN 'pg_proc'::regclass THEN (SELECT CASE p.prokind WHEN 'a' THEN 'aggregate' ELSE 'function' END
                                            FROM pg_proc p WHERE p.oid = d.objid)
           WHEN 'pg_class'::regclass THEN (SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view'
                                                                 WHEN 'S' THEN 'sequence' ELSE c.relkind::text END
                                             FROM pg_class c WHERE c.oid = d.objid)
           WHEN 'pg_type'::regclass THEN 'type'
           ELSE d.classid::regclass::text
       END AS kind,
       count(*) AS objects
  FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'reliability')
   AND d.deptype = 'e'
 GROUP BY 1
 ORDER BY 1;

-- Objects of the extension without a comment (or with an empty one): none.
SELECT pg_describe_object(d.classid, d.objid, d.objsubid) AS without_comment
  FROM pg_depend d
 WHERE d.refclassid = 'pg_extension'::regclass
   AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'reliability')
   AND d.deptype = 'e'
   AND coalesce(obj_description(d.objid, d.classid::regclass::name), '') = ''
 ORDER BY 1;

-- The columns of the tables and the view that clients read carry comments too where
-- their meaning is not obvious from the name: at least the settings parameters.
SELECT a.attname AS settings_column_without_comment
  FROM pg_attribute a
 WHERE a.attrelid = 'reliability.settings'::regclass AND a.attnum > 0 AND NOT a.attisdropped
   AND a.attname <> 'singleton'
   AND coalesce(col_description(a.attrelid, a.attnum), '') = ''
 ORDER BY a.attnum;

-- The schema and the extension itself.
SELECT coalesce(obj_description('reliability'::regnamespace, 'pg_namespace'), '') <> '' AS schema_has_comment,
       coalesce(obj_description((SELECT oid FROM pg_extension WHERE extname = 'reliability'), 'pg_extension'), '') <> ''
           AS extension_has_comment;

TRUNCATE reliability.machines CASCADE;
RESET client_min_messages;
