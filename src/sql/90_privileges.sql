-- Privileges: internal functions and the cache are not for PUBLIC. Grant what a role
-- needs (see README "Roles"): e.g. a monitor gets USAGE on the schema and INSERT on
-- reliability.observations; its cache is maintained by SECURITY DEFINER triggers.
--
-- The internal ("_") functions, one by one:
--   not executable by PUBLIC: _update_cache, _make_score (they trust their inputs);
--     the trigger functions (a trigger runs its function whatever the ACL); the aggregates'
--     support functions _uptime_* and _availability_final (an aggregate checks EXECUTE on
--     them for its owner, not for the caller); _statement_begins;
--   executable by PUBLIC, because functions that run with the caller's rights call them,
--     and safe with any input: _finite (returns its argument or raises 22008; report()),
--     _compute_score and _tier (validate the settings row they get exactly as the table's
--     row is validated; compute_score(), tier()); _day_start, _utc_day,
--     _sub_fixed_or_infinity and _empty_summary (pure arithmetic; score(), daily_uptime()),
--     _history_rows (reads with the caller's rights, writes nothing), _distributed (says
--     whether this database is a coordinator), _rate_distributed (rate() on a coordinator,
--     with the caller's rights), _ranked_on_shards (ranked() on a coordinator: reads what the
--     view shows, for a session role that may read the view).
REVOKE ALL ON ALL TABLES IN SCHEMA reliability FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._update_cache(bigint[], timestamptz, boolean, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._statement_begins() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_change_begins() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_copy_insert() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_columns(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_copy_sync() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_copy_refuse_update() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._data_changed() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._recompute_all() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._data_truncated() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._auto_blacklist(bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._deploy_rule(bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._deploys_changed() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._blacklist_notify() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._ratings_stamp() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability.refresh(timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability.rebuild(timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._scores_restore() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._make_score(reliability.settings, reliability.availability, bigint, bigint, bigint, timestamptz, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_merge_insert() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_refuse_removal() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._uptime_trans(internal, timestamptz, boolean, tstzrange) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._uptime_trans(internal, timestamptz, boolean, tstzrange, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._uptime_combine(internal, internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._uptime_serialize(internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._uptime_deserialize(bytea, internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._uptime_final(internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._availability_final(internal) FROM PUBLIC;
-- The summaries' type I/O and aggregate support functions (25_summaries.sql): a type's I/O
-- functions and an aggregate's support functions run whatever their ACL says.
REVOKE ALL ON FUNCTION reliability._uptime_summary_in(cstring) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._uptime_summary_out(reliability.uptime_summary) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._uptime_summary_recv(internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._uptime_summary_send(reliability.uptime_summary) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._summarize_final(internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._rollup_trans(internal, reliability.uptime_summary) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._rollup_combine(internal, internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._rollup_serialize(internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._rollup_deserialize(bytea, internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._rollup_final(internal) FROM PUBLIC;
-- History (45_history.sql, 55_compaction.sql): the retention row is read by every reader of
-- results (score(), daily_uptime(), compacted_before()) and holds only two dates.
GRANT SELECT ON reliability.retention TO PUBLIC;
REVOKE ALL ON FUNCTION reliability.compact(date) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._compact_here(date) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._time_partitions(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._compact_rows(regclass, name, timestamptz, timestamptz, name) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._lock_time_partitioned() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability.partition_by_time(interval, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._history_update(bigint[], date[], date[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._history_materialize(date, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._history_advance(date) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._history_lock_writers() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._history_truncated() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._retention_merge_insert() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._retention_refuse_removal() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_check_horizon() FROM PUBLIC;
-- Shards (SPEC §12): distribute() and what it sets up are for the extension's owner.
REVOKE ALL ON FUNCTION reliability.distribute(text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability.shard_mismatches() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._remote_call() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._holds_rows() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._on_every_shard(text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._set_server_option(name, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._machines_to_shards() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_push(reliability.settings) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_to_shards() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._column_definitions(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._grants(aclitem[], text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._retention_from_shards() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._shard_table(integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._shards_union(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._create_foreign_member(text, text, text, text, text) FROM PUBLIC;
