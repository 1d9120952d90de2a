-- Notifications (SPEC §11) on channel reliability, delivered at commit: a machine's cached
-- tier moving is sent by the cache engine (src/pg/cache_engine.cpp); a blacklist change that
-- makes a machine blacklisted, or not any more, is sent here, whoever wrote it (an operator,
-- the auto-blacklist, the deploy rule).
CREATE FUNCTION reliability._blacklist_notify() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    was_active boolean := TG_OP <> 'INSERT' AND (OLD.expires_at IS NULL OR now() < OLD.expires_at);
    is_active boolean := TG_OP <> 'DELETE' AND (NEW.expires_at IS NULL OR now() < NEW.expires_at);
    moved boolean := TG_OP = 'UPDATE' AND OLD.machine_id <> NEW.machine_id;
    payload constant text := '{"machine_id": %s, "event": "%s", "kind": %s, "expires_at": %s}';
BEGIN
    -- An entry moved to another machine leaves the old one and comes to the new one. An
    -- entry that ends tells how it ended (the deleted entry, or the entry as changed).
    IF was_active AND (moved OR NOT is_active) THEN
        IF TG_OP = 'DELETE' OR moved THEN
            PERFORM pg_notify('reliability', format(payload, OLD.machine_id, 'unblacklisted', to_json(OLD.kind),
                                                    COALESCE(to_json(OLD.expires_at)::text, 'null')));
        ELSE
            PERFORM pg_notify('reliability', format(payload, NEW.machine_id, 'unblacklisted', to_json(NEW.kind),
                                                    COALESCE(to_json(NEW.expires_at)::text, 'null')));
        END IF;
    END IF;
    IF is_active AND (moved OR NOT was_active) THEN
        PERFORM pg_notify('reliability', format(payload, NEW.machine_id, 'blacklisted', to_json(NEW.kind),
                                                COALESCE(to_json(NEW.expires_at)::text, 'null')));
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION reliability._blacklist_notify() IS
    'Internal trigger: notifies channel reliability when a blacklist change makes a machine blacklisted or not any more.';

CREATE TRIGGER blacklist_notify AFTER INSERT OR UPDATE OR DELETE ON reliability.blacklist
    FOR EACH ROW EXECUTE FUNCTION reliability._blacklist_notify();
