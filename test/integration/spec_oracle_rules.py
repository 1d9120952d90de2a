#!/usr/bin/env python3
"""Second differential test: SPEC.md's rules implemented again from the text alone (§5 auto-blacklist, §10 deploy rule,
§11 notifications and observe(), §6 report(), §1 view, §9 compaction). Every write runs in its own transaction (T = its
now()); after each, every machine's blacklist row and the notifications (LISTEN on a second connection) are checked.
    spec_oracle_rules.py --db DB [--seed N] [--verbose]     (DB: the extension, no data)
Prints "spec_oracle_rules: seed S: N comparisons, M mismatches, K ambiguous"; exits 1 on a mismatch (AMBIGUOUS: the
SPEC's text allows two readings there; not a failure)."""
import argparse, datetime as dt, json, random, re, select, sys, time
from collections import defaultdict
import psycopg2, psycopg2.extras

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
SEC, MIN, HOUR, DAY = 10**6, 60 * 10**6, 3600 * 10**6, 86400 * 10**6
IV = ['score_window', 'max_gap', 'stale_after', 'min_history', 'auto_blacklist_for', 'deploy_window',
      'deploy_blacklist_for', 'deploy_severe_blacklist_for']
NIV = ['auto_blacklist_below', 'deploy_min_attempts', 'deploy_consecutive_failures', 'deploy_failure_rate',
       'deploy_severe_stages']
STAGES = [None, 'rejected', 'loading', 'Loading', 'creating', 'pulling', 'timeout']
AUTO = [(70, "'6 hours'", "'24 hours'"), (80, "'1 day 00:00:00.5'", "'3 hours'"), (62.5, "'90 minutes'", "'12 hours'")]
DEPLOY = [("'72 hours'", 3, 3, 0.7, "'24 hours'", "'{rejected,loading,creating}'", "'48 hours'"),
          ("'6 hours'", 2, 2, 0.5, "'2 hours'", "'{rejected,Loading}'", "'5 hours'"),
          ("'1 day'", 5, 4, 1, "'90 minutes'", "'{}'", "'1 hour'"),
          ("'30 minutes'", 1, 1, 1 / 3, "'10 minutes'", "'{creating}'", "'100 years'"),
          ("'2 days 00:00:00.000001'", 4, 6, 0.75, "'1 day'", "'{pulling,timeout,rejected}'", "'12:00:00.5'")]
DA = 'deploy_attempts (machine_id, attempted_at, succeeded, failure_stage, seconds_to_ready, instance_id)'
DTPL, ITPL, BTPL = '(%s, %s::timestamptz, %s, %s, %s, %s)', '(%s, %s::timestamptz, %s, %s)', '(%s, %s, %s, %s, %s, %s)'
STEPS = 80
BLX = ["DELETE FROM blacklist WHERE machine_id = %(m)s",   # direct changes of a blacklist row (T = %(t)s)
       "UPDATE blacklist SET expires_at = %(t)s::timestamptz - interval '1 second' WHERE machine_id = %(m)s",
       "UPDATE blacklist SET expires_at = %(t)s::timestamptz + interval '1 minute' WHERE machine_id = %(m)s",
       "INSERT INTO blacklist VALUES (%(m)s, 'temporary', 'x', 'o', %(t)s, %(t)s::timestamptz + interval '5 days') "
       "ON CONFLICT (machine_id) DO UPDATE SET kind = 'temporary', expires_at = excluded.expires_at",
       "INSERT INTO blacklist VALUES (%(m)s, 'auto', 'x', 'o', %(t)s, %(t)s::timestamptz + interval '3 minutes') "
       "ON CONFLICT (machine_id) DO UPDATE SET kind = 'auto', expires_at = excluded.expires_at"]
D_COLS = ['deploy_window', 'deploy_min_attempts', 'deploy_consecutive_failures', 'deploy_failure_rate',
          'deploy_blacklist_for', 'deploy_severe_stages', 'deploy_severe_blacklist_for']


def ts(us):
    return (EPOCH + dt.timedelta(microseconds=us)).isoformat()


def US(e):
    return f"(extract(epoch FROM {e}) * 1000000)::bigint"


def parse_ts(s):  # a timestamp of a JSON value (any offset) in µs
    if s is None:
        return None
    s = s.replace(' ', 'T', 1)
    if re.search(r'[+-]\d\d$', s):
        s += ':00'
    return (dt.datetime.fromisoformat(s) - EPOCH) // dt.timedelta(microseconds=1)


def active(b, T):  # §1: active while expires_at IS NULL OR T < expires_at
    return b is not None and (b[4] is None or T < b[4])


def stale(times, T, sa):
    """§1: no observation in the last stale_after before T: [T - sa, T); ambiguous when an observation lies at either bound."""
    return not any(T - sa <= t < T for t in times), any(t in (T - sa, T) for t in times)


def rule10(atts, T, st):
    """§10 at T over the machine's attempts [(attempt_id, attempted_at, succeeded, stage)]: (length, why) or (None, why)."""
    A = sorted((a for a in atts if a[1] >= T - st['deploy_window']), key=lambda a: (a[1], a[0]))
    if len(A) < st['deploy_min_attempts']:
        return None, f'{len(A)} attempts'
    c = next((i for i, a in enumerate(reversed(A)) if a[2]), len(A))   # the latest attempts that all failed
    if c >= st['deploy_consecutive_failures']:
        return st['deploy_blacklist_for'], f'{c} consecutive failures of {len(A)}'
    failed = sum(not a[2] for a in A)
    if failed / len(A) >= st['deploy_failure_rate']:
        severe = any(not a[2] and a[3] in st['deploy_severe_stages'] for a in A)
        return (st['deploy_severe_blacklist_for'] if severe else st['deploy_blacklist_for'],
                f'{failed}/{len(A)} failed{" severe" * severe}')
    return None, f'{failed}/{len(A)} failed, last {c}'


class Cmp:
    def __init__(self, verbose):
        self.n, self.bad, self.soft, self.verbose, self.shown, self.kinds = 0, [], [], verbose, defaultdict(int), defaultdict(int)

    def eq(self, what, exp, got, ratio=False, soft=False):
        self.n += 1
        key = what.split(':')[0]
        self.kinds[key] += 1
        if ratio and isinstance(exp, (int, float)) and isinstance(got, (int, float)) and not isinstance(got, bool):
            if exp == got or abs(exp - got) <= 1e-12 * max(abs(exp), abs(got)):
                return True
        elif exp == got and type(exp) is type(got):
            return True
        (self.soft if soft else self.bad).append(key)
        self.shown[key, soft] += 1
        if self.shown[key, soft] <= (60 if self.verbose else 6):
            print(f'{"AMBIGUOUS" if soft else "MISMATCH"} {what}: expected {exp!r}, got {got!r}')
        return False


class Test:
    def __init__(self, a):
        self.a, self.rng, self.c = a, random.Random(a.seed), Cmp(a.verbose)
        self.conn = psycopg2.connect(dbname=a.db)
        self.conn.autocommit = True
        self.cur = self.conn.cursor()
        self.lconn = psycopg2.connect(dbname=a.db)
        self.lconn.autocommit = True
        self.lconn.cursor().execute('LISTEN reliability; LISTEN reliability_sync')
        self.k, self.ids, self.events, self.first, self.branch = 0, {}, defaultdict(int), {}, defaultdict(int)

    def q(self, sql, params=None):
        self.cur.execute(sql, params)
        return self.cur.fetchall() if self.cur.description else None

    def settings(self):
        r = self.q('SELECT ' + ', '.join([US(c) for c in IV] + NIV) + ' FROM settings')[0]
        self.st = dict(zip(IV + NIV, r))

    def snapshot(self):
        return dict(zip('sb', self.q(f"""SELECT
          (SELECT coalesce(json_object_agg(machine_id, json_build_array(tier, score, {US('computed_at')})), '{{}}')
             FROM scores),
          (SELECT coalesce(json_object_agg(machine_id, json_build_array(kind, reason, blocked_by, {US('blacklisted_at')},
                  {US('expires_at')})), '{{}}') FROM blacklist)""")[0]))

    def machine(self, prov, name):
        self.ids[name] = self.q('SELECT machine(%s, %s)', (prov, name))[0][0]
        return self.ids[name]

    def attempts(self, mids=None):
        out = defaultdict(list)
        for r in self.q(f"""SELECT machine_id, attempt_id, {US('attempted_at')}, succeeded, failure_stage, seconds_to_ready
                            FROM deploy_attempts WHERE %s IS NULL OR machine_id = ANY(%s)""",
                        (mids, mids and [int(m) for m in mids])):
            out[str(r[0])].append(r[1:])
        return out

    def obs_times(self):
        out = defaultdict(list)
        for m, t in self.q(f'SELECT machine_id, {US("observed_at")} FROM observations'):
            out[str(m)].append(t)
        return out

    # ------------------------------------------------------------- one transaction, then every check --
    def tx(self, label, fn, s5=(), s10=(), direct=()):
        before = self.snap
        self.conn.autocommit = False
        T, res = None, None
        try:
            T = self.q(f'SELECT {US("now()")}')[0][0]
            res = fn(T)
            self.conn.commit()
        except psycopg2.Error as e:
            self.conn.rollback()
            self.c.eq(f'statement:{label}', 'success', f'{e.pgcode} {(e.pgerror or "").strip()[:300]}')
        self.conn.autocommit = True
        self.settings()
        self.snap = after = self.snapshot()
        self.check_notify(label, before, after, T)
        if T is not None:
            s5 = set(after['s']) if s5 == 'all' else {str(m) for m in (s5() if callable(s5) else s5)}
            self.check_blacklist(label, before, after, T, s5, {str(m) for m in s10}, {str(m) for m in direct})
        return T, res

    def expect_error(self, label, sql, params, state):   # in a transaction rolled back
        self.conn.autocommit, got = False, 'no error'
        try:
            self.q(sql, params)
        except psycopg2.Error as e:
            got = e.pgcode
        self.conn.rollback()
        self.conn.autocommit = True
        self.c.eq(f'errors:{label}: sqlstate', state, got)

    def check_notify(self, label, before, after, T):
        self.k += 1
        self.q("SELECT pg_notify('reliability_sync', %s)", (str(self.k),))
        got, done, deadline = [], False, time.time() + 10
        while not done and time.time() < deadline:
            self.lconn.poll()
            while self.lconn.notifies:
                n = self.lconn.notifies.pop(0)
                done |= n.channel == 'reliability_sync' and n.payload == str(self.k)
                got += [n.payload] if n.channel == 'reliability' else []
            select.select([self.lconn], [], [], 0.5) if not done else None
        self.c.eq(f'notify:{label} sync notification received', True, done)
        exp, kinds = [], {}
        for m, s in after['s'].items():
            if m in before['s'] and before['s'][m][0] != s[0]:
                exp.append(('tier', m, before['s'][m][0], s[0]))
        for m in set(before['b']) | set(after['b']):
            b0, b1 = before['b'].get(m), after['b'].get(m)
            if T is not None and not active(b0, T) and active(b1, T):   # (self.first: the tx's first row, if it wrote two)
                exp.append(('blacklisted', m) + self.first.get(m, (b1[0], b1[4])))
            elif T is not None and active(b0, T) and not active(b1, T):
                exp.append(('unblacklisted', m))
                kinds[m] = {b[0] for b in (b0, b1) if b}
        gotn = []
        for p in got:
            try:
                j = json.loads(p)
                m, ev = str(j['machine_id']), j['event']
                if ev == 'tier':
                    gotn.append((ev, m, j['old'], j['new']))
                elif ev == 'blacklisted':
                    gotn.append((ev, m, j['kind'], parse_ts(j['expires_at'])))
                else:
                    gotn.append((ev, m))
                    self.c.eq(f'notify:{label} unblacklisted machine {m} kind of its entry', True,
                              j.get('kind') in kinds.get(m, ()))
                self.events[ev] += 1
            except (ValueError, KeyError, TypeError) as e:
                gotn.append(('unparsable', p, str(e)))
        self.c.eq(f'notify:{label} (T {ts(T) if T else None}) events', sorted(exp), sorted(gotn))
        self.first = {}

    def check_blacklist(self, label, before, after, T, s5, s10, direct):
        st, att = self.st, self.attempts(sorted(s10)) if s10 else {}
        for m in sorted(set(before['b']) | set(after['b']) | s5 | s10):
            if m in direct:
                continue
            B, A, w = before['b'].get(m), after['b'].get(m), f'{label}: machine {m} T {ts(T)}'
            if m in s10:
                L, why = rule10(att.get(m, []), T, st)
                self.branch['deploy ' + ('no fire' if L is None else 'left alone' if active(B, T) and (
                    B[0] != 'auto' or B[4] is None or B[4] >= T + L) else 'fires' + ' severe' * ('severe' in why))] += 1
                if L is None or (active(B, T) and (B[0] != 'auto' or B[4] is None or B[4] >= T + L)):
                    self.c.eq(f'deploy_rule:{w} ({why}; not firing or left alone) row unchanged', B, A)
                else:
                    self.c.eq(f'deploy_rule:{w} ({why}) fires for {L / SEC:g} s over {B}',
                              ['auto', 'a reason', 'reliability', T, T + L],
                              A and [A[0], 'a reason' if isinstance(A[1], str) and A[1] else A[1]] + A[2:])
            elif m in s5:
                S, below = after['s'].get(m), st['auto_blacklist_below']
                fire = not (below is None or S is None or S[1] is None or not S[1] < below or S[0] == 'new')
                self.branch['auto ' + ('no fire' if not fire else 'left alone' if active(B, T) and B[0] != 'auto' else
                                       'renews' if active(B, T) else 'fires')] += 1
                if not fire or (active(B, T) and B[0] in ('manual', 'temporary')):
                    self.c.eq(f'auto_blacklist:{w} score {S and S[:2]} below {below} over {B}: row unchanged', B, A)
                else:
                    e = S[2] + st['auto_blacklist_for']
                    if active(B, T) and B[0] == 'auto':
                        e = None if B[4] is None else max(B[4], e)
                    self.c.eq(f'auto_blacklist:{w} score {S[:2]} < {below}, computed_at {ts(S[2])}, over {B}: kind, expires_at',
                              ['auto', e], A and [A[0], A[4]])
            else:
                self.c.eq(f'unaffected:{w} blacklist row unchanged', B, A)

    def ev(self, table, rows, tpl):   # one INSERT of many rows
        psycopg2.extras.execute_values(self.cur, f'INSERT INTO {table} VALUES %s', rows, template=tpl,
                                       page_size=len(rows) + 1)

    def insert_obs(self, rows, label):
        self.tx(label, lambda T: self.ev('observations', [(m, ts(t), s) for m, t, s in rows], '(%s, %s::timestamptz, %s)'),
                s5={m for m, _, _ in rows})

    def pre_rows(self, label, ids, pre):   # blacklist rows (kind, expires_at - T) before the rules run
        self.tx(label, lambda T: self.ev('blacklist', [(m, k, 'pre', 'oracle', ts(T - HOUR), None if e is None else ts(T + e))
                                                       for m, (k, e) in zip(ids, pre)], BTPL), direct=ids)

    def bl_change(self, m, sql):
        self.tx(f'blacklist change of {m}: {sql[:70]}', lambda T: self.q(sql, dict(m=m, t=ts(T))), direct=[m])

    # ----------------------------------------------------------------------------- §5 --
    def part_auto(self):
        rng, b = self.rng, self.base
        below, for_, stale_ = AUTO[self.a.seed % len(AUTO)]
        self.tx('settings (auto-blacklist)', lambda T: self.q(
            f"UPDATE settings SET min_history = '2 hours', auto_blacklist_below = {below}, "
            f"auto_blacklist_for = {for_}, stale_after = {stale_}"), s5='all')
        ids = [self.machine('oracle', 'bl%02d' % i) for i in range(14)]
        self.pre_rows('blacklist rows before any data', ids, [('manual', None), ('temporary', 10 * DAY), ('temporary', -HOUR),
                      ('auto', 30 * DAY), ('auto', MIN), ('auto', -HOUR), ('manual', -MIN)])
        data = {}
        for i, m in enumerate(ids):   # bl13: 50 minutes covered, tier new whatever its score
            p, n = rng.choice([0, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95, 1]), 10 if i == 13 else 288
            data[m] = [(m, b - 2 * DAY + j * 5 * MIN + rng.randrange(SEC), rng.random() < p) for j in range(n)]
        self.insert_obs([r for m in ids for r in data[m][:10]], 'first observations of all bl machines')
        chunks = [(m, data[m][k:k + 92]) for m in ids for k in (10, 102, 194) if data[m][k:k + 92]]
        rng.shuffle(chunks)
        while chunks:
            k = rng.randint(1, 3)
            self.insert_obs([r for _, ch in chunks[:k] for r in ch], f'observation chunks of {[m for m, _ in chunks[:k]]}')
            del chunks[:k]
        for step in range(STEPS):
            m, r = rng.choice(ids), rng.random()
            if r < 0.2:
                k = rng.randint(1, 4)
                self.tx(f'{k} interruptions of {m}', lambda T: self.ev('interruptions', [
                    (m, ts(b - 2 * DAY + rng.randrange(DAY)), 'i', 'o') for _ in range(k)], ITPL), s5=[m])
            elif r < 0.4:
                s = rng.randint(1, 5)
                self.tx(f'rate({m}, {s})', lambda T: self.q('SELECT rate(%s, %s, %s)',
                                                              (m, 'u%d' % rng.randrange(3), s)), s5=[m])
            elif r < 0.55:
                self.tx(f'flip observations of {m}', lambda T: self.q(
                    'UPDATE observations SET online = NOT online WHERE machine_id = %s AND observed_at IN '
                    '(SELECT observed_at FROM observations WHERE machine_id = %s ORDER BY observed_at '
                    'OFFSET %s LIMIT 60)', (m, m, rng.randrange(200))), s5=[m])
            elif r < 0.65:
                self.tx(f'delete observations of {m}', lambda T: self.q(
                    'DELETE FROM observations WHERE machine_id = %s AND observed_at IN (SELECT observed_at '
                    'FROM observations WHERE machine_id = %s ORDER BY random() LIMIT 25)', (m, m)), s5=[m])
            elif r < 0.85:
                self.bl_change(m, rng.choice(BLX))
            else:
                self.tx('refresh()', lambda T: self.q('SELECT refresh()'), s5='all')
        # the threshold exactly at a machine's score: not below it
        scored = sorted((s[1], m) for m, s in self.snap['s'].items() if s[0] != 'new' and s[1] is not None and int(m) in ids)
        thr = scored[len(scored) // 2][0] if scored else 75.0
        self.tx(f'settings auto_blacklist_below = {thr!r} (a cached score)', lambda T: self.q(
            'UPDATE settings SET auto_blacklist_below = %s', (thr,)), s5='all')
        self.tx('refresh(now() + 2 hours)', lambda T: self.q("SELECT refresh(now() + interval '2 hours')"), s5='all')
        m = ids[rng.randrange(13)]   # computed_at stays ahead of now(): expires_at = computed_at + auto_blacklist_for
        self.tx(f'interruptions of {m} after a refresh ahead of now()', lambda T: self.q(
            "INSERT INTO interruptions SELECT %s, %s::timestamptz - g * interval '1 hour', 'i', 'o' "
            "FROM generate_series(1, 6) g", (m, ts(b - DAY))), s5=[m])
        self.tx('refresh()', lambda T: self.q('SELECT refresh()'), s5='all')

    # ---------------------------------------------------------------------------- §10 --
    def part_deploy(self):
        rng = self.rng
        ids = [self.machine('oracle', 'dp%02d' % i) for i in range(8)] + [self.ids['bl07'], self.ids['bl08']]
        self.pre_rows('blacklist rows of dp machines', ids[:5], [('manual', None), ('temporary', -HOUR), ('auto', 30 * DAY),
                                                                ('auto', 30 * MIN), ('temporary', 4 * HOUR)])
        order = list(range(len(DEPLOY)))
        rng.shuffle(order)
        for rnd, p in enumerate([0] + order):
            self.tx(f'deploy settings {DEPLOY[p]}', lambda T: self.q('UPDATE settings SET ' + ', '.join(
                f'{c} = {v!r}' if isinstance(v, float) else f'{c} = {v}' for c, v in zip(D_COLS, DEPLOY[p]))), s5='all')
            win, L = self.st['deploy_window'], self.st['deploy_blacklist_for']
            n = max(self.st['deploy_min_attempts'], self.st['deploy_consecutive_failures'])
            for k, delta in enumerate((0, -1)):   # an active auto row expiring at T + length is left alone, 1 µs less not
                m = self.machine('oracle', f'dpe{rnd}{k}')

                def edge(T):
                    self.first = {str(m): ('auto', T + L + delta)}
                    self.q("INSERT INTO blacklist VALUES (%s, 'auto', 'edge', 'o', %s, %s)",
                           (m, ts(T - HOUR), ts(T + L + delta)))
                    self.ev(DA, [(m, ts(T - MIN - i), False, 'rejected', None, 'e') for i in range(n)], DTPL)
                T, _ = self.tx(f'edge: {n} failures of {m} over an auto row expiring at T + {L} + {delta} µs', edge, direct=[m])
                A = self.snap['b'].get(str(m))
                self.c.eq(f'deploy_rule:edge {n} consecutive failures over an auto row expiring at T + {L / SEC:g} s {delta:+} µs',
                          ['auto', 'edge', 'o', T - HOUR, T + L] if delta == 0 else ['auto', True, 'reliability', T, T + L],
                          A if delta == 0 else A and [A[0], bool(A[1])] + A[2:])
            for step in range(STEPS):
                m, r = rng.choice(ids), rng.random()
                mine = [a[0] for a in self.attempts()[str(m)]]

                def new(T, m):
                    x = rng.random()
                    off = (-win if x < .08 else -win - 1 if x < .12 else rng.randrange(1, 10 * MIN) if x < .2 else
                           -win + 1 if x < .24 else -rng.randrange(int(1.3 * win)))
                    succ = rng.random() < 0.4
                    return (m, ts(T + off), succ, None if succ else rng.choice(STAGES),
                            rng.uniform(0, 300) if succ and rng.random() < .8 else None, 'inst')
                if r < 0.45:
                    k = rng.choice([1, 1, 1, 2, 3])
                    self.tx(f'insert {k} attempts of {m}', lambda T: self.ev(DA, [new(T, m) for _ in range(k)], DTPL), s10=[m])
                elif r < 0.5:   # a tie of attempted_at: attempt_id decides which is the latest
                    f = rng.random() < 0.5
                    self.tx(f'insert a tie of attempts of {m}', lambda T: self.ev(DA, [
                        (m, ts(T - MIN), f, None if f else 'creating', None, 'a'),
                        (m, ts(T - MIN), not f, 'timeout' if f else None, None, 'b')], DTPL), s10=[m])
                elif r < 0.55:
                    o = rng.choice(ids)
                    self.tx(f'insert attempts of {m} and {o} in one statement',
                            lambda T: self.ev(DA, [new(T, m), new(T, o)], DTPL), s10=[m, o])
                elif r < 0.7 and mine:
                    a, stg = rng.choice(mine), rng.choice(STAGES)
                    self.tx(f'flip attempt {a} of {m}', lambda T: self.q(
                        'UPDATE deploy_attempts SET succeeded = NOT succeeded, failure_stage = CASE WHEN '
                        'succeeded THEN %s END, seconds_to_ready = CASE WHEN NOT succeeded THEN 12.5 END '
                        'WHERE attempt_id = %s', (stg, a)), s10=[m])
                elif r < 0.75 and mine:
                    a = rng.choice(mine)
                    self.tx(f'retime attempt {a} of {m}', lambda T: self.q(
                        'UPDATE deploy_attempts SET attempted_at = %s WHERE attempt_id = %s',
                        (ts(T - rng.randrange(win + HOUR)), a)), s10=[m])
                elif r < 0.8 and mine:
                    a, o = rng.choice(mine), rng.choice(ids)
                    self.tx(f'move attempt {a} from {m} to {o}', lambda T: self.q(
                        'UPDATE deploy_attempts SET machine_id = %s WHERE attempt_id = %s', (o, a)), s10=[m, o])
                elif r < 0.9 and mine:
                    sel = rng.sample(mine, min(len(mine), rng.randint(1, 3)))
                    self.tx(f'delete attempts {sel} of {m}', lambda T: self.q(
                        'DELETE FROM deploy_attempts WHERE attempt_id = ANY(%s)', (sel,)), s10=[m])
                else:
                    self.bl_change(m, rng.choice(BLX))
        return ids

    # ----------------------------------------------------------------------------- §6 --
    def part_report(self, mids):
        st, c = self.st, self.c
        idn = {str(r[0]): r[1:] for r in self.q('SELECT machine_id, provider, external_id FROM machines')}
        bl = {str(r[0]): r[1:] for r in self.q(f"""SELECT machine_id, kind, reason, blocked_by, {US('blacklisted_at')},
                                                    {US('expires_at')} FROM blacklist""")}
        att, obs = self.attempts(), self.obs_times()
        T = self.q(f'SELECT {US("now()")}')[0][0]
        for m in map(str, mids):
            X = [T, T - 2 * HOUR, T + HOUR, T + 3 * DAY]
            for a in self.rng.sample(att[m], min(2, len(att[m]))):
                X += [a[1], a[1] + st['deploy_window'], a[1] + st['deploy_window'] + 1, a[1] - 1]
            if m in bl and bl[m][4] is not None:
                X += [bl[m][4] - 1, bl[m][4]]
            for x in X:
                rp = self.q('SELECT report(%s, %s::timestamptz)', (int(m), ts(x)))[0][0]
                w = f'report:machine {m} as_of {ts(x)}'
                if not c.eq(f'{w} keys', True, isinstance(rp, dict) and {'machine_id', 'provider', 'external_id', 'score',
                            'blacklisted', 'blacklist', 'stale', 'history', 'deploys'} <= set(rp)):
                    continue
                c.eq(f'{w} machine_id, provider, external_id', [int(m)] + list(idn[m]),
                     [rp['machine_id'], rp['provider'], rp['external_id']])
                B = bl.get(m)
                if B is None or x >= B[3]:   # (before blacklisted_at the SPEC does not say)
                    act = B is not None and (B[4] is None or x < B[4])
                    c.eq(f'{w} blacklisted ({B})', act, rp['blacklisted'])
                    got = rp['blacklist'] and dict(rp['blacklist'], blacklisted_at=parse_ts(rp['blacklist'].get('blacklisted_at')),
                                                   expires_at=parse_ts(rp['blacklist'].get('expires_at')))
                    c.eq(f'{w} blacklist', dict(zip(['kind', 'reason', 'blocked_by', 'blacklisted_at', 'expires_at'], B))
                         if act else None, got)
                sa, ts_ = st['stale_after'], obs.get(m, [])
                s1, amb = stale(ts_, x, sa)
                c.eq(f'stale {w} stale', s1, rp['stale'], soft=amb)
                A = [a for a in att.get(m, []) if x - st['deploy_window'] <= a[1] <= x]
                f, rd = sum(not a[2] for a in A), [a[4] for a in A if a[2] and a[4] is not None]
                d = rp['deploys'] or {}
                c.eq(f'{w} deploys.attempts, failures', [len(A), f], [d.get('attempts'), d.get('failures')])
                c.eq(f'{w} deploys.success_rate', (len(A) - f) / len(A) if A else None, d.get('success_rate'), ratio=True)
                c.eq(f'{w} deploys.mean_seconds_to_ready', sum(rd) / len(rd) if rd else None,
                     d.get('mean_seconds_to_ready'), ratio=True)
        c.eq('report:unknown machine is NULL', True,
             self.q('SELECT report(%s) IS NULL', (max(map(int, idn)) + 1000,))[0][0])

    # ----------------------------------------------------------------------------- §1 --
    def part_view(self, label, edge=False):
        c = self.c
        ms = [self.machine('stale', 'st%d' % i) for i in range(5)] if edge else []

        def fn(T):
            sa = self.st['stale_after']
            if edge:   # observations right at the bounds of [now() - stale_after, now())
                self.q('INSERT INTO observations SELECT * FROM unnest(%s::bigint[], %s::timestamptz[]) x, '
                       'LATERAL (SELECT true) y', (ms, [ts(t) for t in (T - sa, T - sa + 1, T - sa - 1, T + MIN, T)]))
            obs = self.obs_times()
            bl = {str(r[0]): r[1:] for r in self.q(f"SELECT machine_id, kind, reason, blocked_by, 0, {US('expires_at')} "
                                                     "FROM blacklist")}
            sc = {str(r[0]): r[1] for r in self.q("SELECT machine_id, to_jsonb(s) - 'machine_id' FROM scores s")}
            idn = {str(r[0]): r[1:] for r in self.q('SELECT machine_id, provider, external_id FROM machines')}
            rows = self.q("SELECT machine_id, provider, external_id, blacklisted, stale, to_jsonb(v) - 'machine_id' - "
                          "'provider' - 'external_id' - 'created_at' - 'blacklisted' - 'stale' FROM machine_reliability v")
            c.eq(f'view:{label} machines listed once', sorted(idn), sorted(str(r[0]) for r in rows))
            for r in rows:
                m, w = str(r[0]), f'view:{label} machine {r[0]} now() {ts(T)}'
                c.eq(f'{w} provider, external_id', idn.get(m), tuple(r[1:3]))
                c.eq(f'{w} blacklisted ({bl.get(m)})', active(bl.get(m), T), r[3])
                s1, amb = stale(obs.get(m, []), T, sa)
                c.eq(f'stale {w} stale (observations {[ts(t) for t in obs.get(m, []) if T - sa - SEC < t < T + MIN][-3:]})', s1, r[4],
                     soft=amb)
                e = sc.get(m, {k: None for k in r[5]})   # no cached row: NULL columns (tier 'new' is a reading too)
                c.eq(f'{w} score columns = cached row', e, r[5], soft=m not in sc and dict(r[5], tier=None) == e)
        self.tx(f'view {label}', fn, s5=ms)

    # ---------------------------------------------------------------------------- §11 --
    def part_observe(self):
        rng, b, c = self.rng, self.base, self.c
        pairs = [('poll', 'p%02d' % i) for i in range(10)] + [('oracle', 'bl03'), ('oracle', 'bl05')]
        old = {(p, e, t): s for p, e, t, s in self.q(f"""SELECT provider, external_id, {US('observed_at')}, online FROM
               observations JOIN machines USING (machine_id) WHERE external_id IN ('bl03', 'bl05')""")}
        rows = [(p, e, b - 3 * HOUR + j * 5 * MIN + rng.randrange(SEC), rng.random() < 0.7) for p, e in pairs for j in range(6)]
        rows += [(p, e, t, not s) for p, e, t, s in rng.sample(rows, 8)]
        rows += [(p, e, t, not s) for (p, e, t), s in rng.sample(sorted(old.items()), 5)]
        rng.shuffle(rows)
        exp, n = dict(old), 0
        for p, e, t, s in rows:
            if (p, e, t) not in exp:
                exp[p, e, t], n = s, n + 1
        arrs = [list(col) for col in zip(*rows)]
        arrs[2] = [ts(t) for t in arrs[2]]
        sql = 'SELECT observe(%s::text[], %s::text[], %s::timestamptz[], %s::boolean[])'
        mids = lambda: [r[0] for r in self.q('SELECT machine_id FROM machines WHERE (provider, external_id) '
                                             'IN (SELECT * FROM unnest(%s::text[], %s::text[]))', arrs[:2])]
        cur = lambda: {(p, e, t): s for p, e, t, s in self.q(f"""SELECT provider, external_id, {US('observed_at')}, online
               FROM observations JOIN machines USING (machine_id)
               WHERE (provider, external_id) IN (SELECT * FROM unnest(%s::text[], %s::text[]))""", arrs[:2])}
        for k in ('a poll cycle', 'the same cycle resent'):
            _, r = self.tx(f'observe() {k}', lambda T: self.q(sql, arrs), s5=mids)
            c.eq(f'observe:{k} returned count', n, r and r[0][0])
            c.eq(f'observe:{k} rows', exp, cur())
            n = 0
        _, r = self.tx('observe() empty arrays', lambda T: self.q(sql, [[], [], [], []]))
        c.eq('observe:empty arrays returned count', 0, r and r[0][0])
        counts = lambda: self.q('SELECT (SELECT count(*) FROM machines), (SELECT count(*) FROM observations)')
        before = counts()
        good = [['poll', 'newp'], ['newp1', 'newp2'], [ts(b), ts(b + 1)], [True, False]]
        for i in range(4):
            bad = [list(x) for x in good]
            bad[i] = bad[i][:1]
            self.expect_error(f'observe() array {i + 1} shorter', sql, bad, '22023')
            bad = [list(x) for x in good]
            bad[i][1] = None
            self.expect_error(f'observe() NULL element in array {i + 1}', sql, bad, '22004')
        c.eq('observe:nothing written by the refused calls (machines, observations)', before, counts())

    def part_notify_sequence(self):
        m, b, rng = self.machine('oracle', 'nt0'), self.base, self.rng
        t = [b - 30 * HOUR + j * 5 * MIN + rng.randrange(SEC) for j in range(332)]
        for lo, hi, on in ((0, 1, True), (1, 31, True), (31, 131, False), (131, 332, False)):
            self.insert_obs([(m, x, on) for x in t[lo:hi]], f'nt0 observations {lo}..{hi}')
        self.tx('rate(nt0, 1)', lambda T: self.q("SELECT rate(%s, 'n', 1)", (m,)), s5=[m])
        self.tx('settings tier_fair = 50, tier_good = 70', lambda T: self.q(
            'UPDATE settings SET tier_fair = 50, tier_good = 70'), s5='all')
        for sql in ["DELETE FROM blacklist WHERE machine_id = %(m)s",
                    "INSERT INTO blacklist VALUES (%(m)s, 'manual', 'n', 'o', %(t)s, NULL)",
                    "UPDATE blacklist SET reason = 'changed' WHERE machine_id = %(m)s",
                    "UPDATE blacklist SET expires_at = %(t)s::timestamptz - interval '1 second' WHERE machine_id = %(m)s",
                    "UPDATE blacklist SET expires_at = %(t)s::timestamptz + interval '1 day', kind = 'temporary' "
                    "WHERE machine_id = %(m)s", "UPDATE blacklist SET kind = 'manual' WHERE machine_id = %(m)s",
                    "UPDATE blacklist SET expires_at = %(t)s WHERE machine_id = %(m)s",
                    "DELETE FROM blacklist WHERE machine_id = %(m)s",
                    "INSERT INTO blacklist VALUES (%(m)s, 'temporary', 'n', 'o', %(t)s, %(t)s::timestamptz - interval '1 hour')",
                    "UPDATE blacklist SET expires_at = %(t)s::timestamptz + interval '1 hour' WHERE machine_id = %(m)s",
                    "DELETE FROM blacklist WHERE machine_id = %(m)s"]:
            self.tx(f'nt0 blacklist: {sql[:70]}', lambda T: self.q(sql, dict(m=m, t=ts(T))), direct=[m])
        self.tx('rate(nt0, 1) again', lambda T: self.q("SELECT rate(%s, 'n2', 1)", (m,)), s5=[m])
        self.tx('settings tier_fair = 60, tier_good = 75, auto_blacklist_below = 99', lambda T: self.q(
            'UPDATE settings SET tier_fair = 60, tier_good = 75, auto_blacklist_below = 99'), s5='all')

    # ----------------------------------------------------------------------------- §9 --
    def part_compact(self):
        rng, b, c = self.rng, self.base, self.c
        ids = [self.machine('oracle', 'cp%d' % i) for i in range(5)]
        self.tx("settings score_window = '2 days'", lambda T: self.q(
            "UPDATE settings SET score_window = '2 days', max_gap = '15 minutes', stale_after = '1 day'"), s5='all')
        self.insert_obs([(m, b - 6 * DAY + j * 20 * MIN + rng.randrange(SEC), rng.random() < 0.8) for m in ids
                         for j in range(429)], 'compaction fleet observations')
        self.tx('compaction fleet interruptions', lambda T: self.ev('interruptions', [
            (m, ts(b - rng.randrange(6 * DAY)), 'i', 'o') for m in ids for _ in range(6)], ITPL), s5=ids)
        T0 = self.q(f'SELECT {US("now()")}')[0][0]
        sw, mg = self.st['score_window'], self.st['max_gap']
        D = (T0 - sw - mg) // DAY * DAY
        day = (EPOCH + dt.timedelta(microseconds=D)).date().isoformat()
        self.insert_obs([(ids[0], D - 5 * MIN, True), (ids[0], D - 2 * DAY, False)], 'observations just before the horizon')
        self.tx('an interruption after the horizon', lambda T: self.q(
            "INSERT INTO interruptions VALUES (%s, %s, 'i', 'o')", (ids[0], ts(D + HOUR))), s5=ids[:1])
        self.tx('refresh() before compaction', lambda T: self.q('SELECT refresh()'), s5='all')
        check = ids + [self.ids['bl01'], self.ids['nt0']]

        def capture():
            return {m: self.q(f"""SELECT (SELECT to_jsonb(s) - 'computed_at' FROM scores s WHERE machine_id = %(m)s),
                    (SELECT computed_at FROM scores WHERE machine_id = %(m)s),
                    (SELECT to_jsonb(score(%(m)s, computed_at)) FROM scores WHERE machine_id = %(m)s),
                    to_jsonb(score(%(m)s, %(t0)s)), to_jsonb(score(%(m)s, %(edge)s)),
                    (SELECT json_agg(d) FROM daily_uptime(%(m)s, 30, %(t0)s) d),
                    (SELECT json_agg(d) FROM daily_uptime(%(m)s, 10, %(d)s) d),
                    sparkline(%(m)s, 30, %(t0)s), report(%(m)s, %(t0)s),
                    (SELECT stale FROM machine_reliability WHERE machine_id = %(m)s)""",
                              dict(m=m, t0=ts(T0), edge=ts(D + sw), d=ts(D)))[0] for m in check}
        pre = capture()
        n_exp = self.q('SELECT (SELECT count(*) FROM observations WHERE observed_at < %s::timestamptz) + '
                       '(SELECT count(*) FROM interruptions WHERE occurred_at < %s::timestamptz)',
                       (ts(D - mg), ts(D)))[0][0]
        self.expect_error(f'compact({day} + 1) too late', 'SELECT compact(%s::date + 1)', (day,), '22023')
        _, r = self.tx(f'compact({day})', lambda T: self.q('SELECT compact(%s)', (day,)))
        c.eq(f'compact:compact({day}) returned rows deleted', n_exp, r and r[0][0])
        c.eq('compact:compacted_before()', day, str(self.q('SELECT compacted_before()')[0][0]))
        post = capture()
        what = ['cached row', 'computed_at', 'score(m, computed_at)', 'score(m, T0)', 'score(m, D + score_window)',
                'daily_uptime(m, 30, T0)', 'daily_uptime(m, 10, D)', 'sparkline', 'report(m, T0)', 'stale']
        for m in check:
            for i, w in enumerate(what):
                c.eq(f'compact:machine {m} {w} unchanged by compact({day}) (T0 {ts(T0)})', pre[m][i], post[m][i], soft=i == 1)
        counts = lambda: self.q('SELECT (SELECT count(*) FROM observations), '
                                '(SELECT count(*) FROM interruptions), (SELECT count(*) FROM history)')
        n0, m0, d = counts(), ids[0], dict(m=ids[0], D=ts(D), day=day, e=ts(D + sw))
        O, I, P, W = 'observations', 'interruptions', "%(D)s::timestamptz - interval", 'WHERE machine_id = %(m)s AND'
        for label, sql in [
                ('insert an observation 1 µs before the horizon', f"INSERT INTO {O} VALUES (%(m)s, {P} '1 microsecond', true)"),
                ('insert an observation a day before', f"INSERT INTO {O} VALUES (%(m)s, {P} '1 day', true)"),
                ('update a kept observation before the horizon',
                 f"UPDATE {O} SET online = NOT online {W} observed_at = {P} '5 minutes'"),
                ('delete a kept observation before the horizon', f"DELETE FROM {O} {W} observed_at = {P} '5 minutes'"),
                ('move an observation before the horizon', f"UPDATE {O} SET observed_at = {P} '3 days' {W} observed_at = "
                 f"(SELECT max(observed_at) FROM {O} WHERE machine_id = %(m)s)"),
                ('insert an interruption 1 µs before', f"INSERT INTO {I} VALUES (%(m)s, {P} '1 microsecond', 'i', 'o')"),
                ('move an interruption before the horizon',
                 f"UPDATE {I} SET occurred_at = {P} '1 hour' {W} occurred_at = {P} '-1 hour'"),
                ('score() as_of 1 µs too early', "SELECT score(%(m)s, %(e)s::timestamptz - interval '1 microsecond')"),
                ('report() as_of 1 µs too early', "SELECT report(%(m)s, %(e)s::timestamptz - interval '1 microsecond')"),
                ('daily_uptime() as_of 1 µs too early', f"SELECT * FROM daily_uptime(%(m)s, 30, {P} '1 microsecond')"),
                ('sparkline() as_of 1 µs too early', f"SELECT sparkline(%(m)s, 30, {P} '1 microsecond')"),
                ('periods() from before the horizon', f"SELECT * FROM periods(%(m)s, tstzrange({P} '1 hour', {P} '-1 day'))"),
                ('a change of max_gap', "UPDATE settings SET max_gap = '16 minutes'"),
                ('a score_window too long', "UPDATE settings SET score_window = '30 days'"),
                ('a stale_after too long', "UPDATE settings SET stale_after = '30 days'")]:
            self.expect_error(f'after compact({day}): {label}', sql, d, '22023')
        c.eq('compact:nothing written by the refused statements (observations, interruptions, history)', n0, counts())
        self.expect_error('deleting a machine stays allowed', 'DELETE FROM machines WHERE machine_id = %s',
                          (ids[4],), 'no error')
        self.insert_obs([(ids[1], D, True)], 'an observation exactly at the horizon (allowed)')


def main():
    ap = argparse.ArgumentParser()
    for a, kw in (('--db', dict(required=True)), ('--seed', dict(type=int, default=1)), ('--verbose', dict(action='store_true'))):
        ap.add_argument(a, **kw)
    t = Test(ap.parse_args())
    tz, t0 = ['UTC', 'Asia/Kathmandu', 'America/St_Johns', 'Pacific/Chatham'][t.a.seed % 4], time.time()
    t.q(f"SET TimeZone = '{tz}'; SET search_path = reliability, public")   # (SQL below names the objects unqualified)
    t.base, _ = t.q(f'SELECT {US("now()")}')[0][0], t.settings()
    t.snap = t.snapshot()
    t.check_notify('start', t.snap, t.snap, None)
    dp = [f() for f in (t.part_auto, t.part_deploy, t.part_observe, t.part_notify_sequence)][1]
    took = ['writes %.1f s' % (time.time() - t0)]
    t.part_view('edges of stale', edge=True)
    t.part_report(dp + [t.ids[n] for n in ('bl00', 'bl01', 'bl05', 'nt0', 'st0', 'st3')])
    t.part_view('after all writes')
    took.append('view/report %.1f s' % (time.time() - t0))
    t.part_compact()
    took.append('compact %.1f s' % (time.time() - t0))
    S = f'spec_oracle_rules: seed {t.a.seed}:'
    print(f'{S} time zone {tz}, {t.k} transactions; {", ".join(took)}; events {dict(t.events)}; rule branches '
          f'{dict(sorted(t.branch.items()))}; comparisons by kind {dict(sorted(t.c.kinds.items()))}')
    for k in sorted(set(t.c.bad)):
        print(f'{S} {t.c.bad.count(k)} mismatches in {k}')
    print(f'{S} {t.c.n} comparisons, {len(t.c.bad)} mismatches, {len(t.c.soft)} ambiguous')
    sys.exit(1 if t.c.bad else 0)

if __name__ == '__main__':
    main()
