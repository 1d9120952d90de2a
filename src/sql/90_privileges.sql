-- Privileges: internal functions and the cache are not for PUBLIC. Grant what a role
-- needs (see README "Roles"): e.g. a monitor gets USAGE on the schema and INSERT on
-- reliability.observations; its cache is maintained by SECURITY DEFINER triggers.
REVOKE ALL ON ALL TABLES IN SCHEMA reliability FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._recompute(bigint[], bigint[], timestamptz[], timestamptz, boolean, boolean, bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._apply(bigint[], bigint[], timestamptz[], timestamptz, boolean, boolean, boolean, bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._insert_ends() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._observations_insert_begins() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._observations_inserted() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._observations_updated() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._observations_deleted() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._machine_data_changed() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._recompute_all() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability.refresh(timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability.rebuild(timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._scores_restore() FROM PUBLIC;
