#!/usr/bin/env python3
"""Clone the completed runs of a template store into a big store, in SQL.

    bench/make_store.py TEMPLATE.db OUT.db N [--each]

TEMPLATE.db is a store the sandbox wrote (runs made through the API, server
stopped). OUT.db gets the template's schema (its exact CREATE statements and
user_version) and N runs, split evenly over the namespaces that hold runs in
the template (--each: N runs in every such namespace). The template's runs of
a namespace are a cycle; cycle q of them is written with:

  - every id the runs own (runs, threads, steps, interrupts, artifacts inside
    the JSON) with its first 8 hex digits replaced by q as 8 hex digits
    (UUID-shaped ids stay UUID-shaped; intr_<hex> stays intr_<hex>), in id
    columns and inside event payloads, outputs and step artifacts alike;
  - ordinals q*T + ordinal (runs and threads, so UNIQUE (ns, ordinal) holds and
    ordinals stay 1..count, which the engine's next ordinal relies on), the
    Modus agent_seq likewise per agent (wf_<id>_run_<n> stays unique), and the
    run.started payload's "ordinal" and "agent_seq" to match;
  - every instant (columns named at or *_at, and segment_base) moved back by
    (last cycle - q) times the namespace template's time span, so cycles
    follow one another and the last one is the template's own time. Clones lie
    in the past: the namespace's saved clock stays where the template left it,
    so a start fires no schedule (agent 202 has a daily one) to catch up.

An ended run of schema version 9 has no event or step rows: its log is one
zstd frame in run_logs, compressed against its script's log_dictionaries body
(lib/store/run_archive.h), and its artifact ids' FNV-1a hashes are one
artifact_hashes value. Each such template log is expanded and marked once;
a clone's log is that text with the same substitutions as event rows get
(ids, "ordinal", "agent_seq", and each line's at moved like an instant
column), compressed against the same dictionary, so log_dictionaries is
copied as it is. Its artifact_hashes value is the hashes of its own artifact
ids, in the template value's order. Runs with event rows (older templates)
are cloned from their rows as before.

The template rows themselves are not copied: OUT.db holds the clones only.
meta, scripts, log_dictionaries, agent_definitions, webhooks and object_states
are copied as they are; counts (and run_status_counts, whose triggers are made
after the rows) are written from the real row counts. Tables keyed by a run or
thread that this does not clone (feedback, actions, idempotency_keys,
webhook_deliveries, webhook_attempts, webhook_bodies) must be empty in the
template, and every template run must have ended.

Python's standard library, and zstandard (Debian: python3-zstandard) when
the template has run logs. One transaction, journal off, secondary indexes
built after the rows. Prints what it wrote and how long it took.
"""
import json
import os
import re
import sqlite3
import struct
import sys
import time
import urllib.parse

try:
    import zstandard
except ImportError:  # only a template with run logs needs it
    zstandard = None

CLONED = ["threads", "runs", "steps", "interrupts", "run_events"]
COPIED = ["meta", "scripts", "log_dictionaries", "agent_definitions", "webhooks", "object_states"]
LOGGED = ["run_logs", "artifact_hashes"]  # schema version 9: written per clone, below
MUST_BE_EMPTY = ["feedback", "actions", "idempotency_keys", "webhook_deliveries", "webhook_attempts", "webhook_bodies"]
TERMINAL = {"completed", "error", "cancelled"}
MARK = "\x01" * 8  # no JSON text or id holds a raw control character
MARK_SQL = "char(1,1,1,1,1,1,1,1)"
ID_SHAPE = re.compile(r"^([a-z]+_)?([0-9a-f]{8})(.+)$")
CYCLES_PER_BATCH = 20000


def die(msg):
    print("make_store.py: " + msg, file=sys.stderr)
    sys.exit(1)


def is_instant(col):
    return col == "at" or col.endswith("_at") or col == "segment_base"


def artifact_ids(value, out):
    """Ids of artifacts anywhere in a JSON value (lists under "artifacts", objects under "artifact")."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "artifacts" and isinstance(v, list):
                for a in v:
                    if isinstance(a, dict) and isinstance(a.get("id"), str):
                        out.add(a["id"])
            elif k == "artifact" and isinstance(v, dict) and isinstance(v.get("id"), str):
                out.add(v["id"])
            artifact_ids(v, out)
    elif isinstance(value, list):
        for v in value:
            artifact_ids(v, out)


def as_json(text):
    if not isinstance(text, str):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


FNV_OFFSET, FNV_PRIME, U64 = 14695981039346656037, 1099511628211, (1 << 64) - 1


def fnv(data, h=FNV_OFFSET):
    """FNV-1a, 64 bits, of bytes, from state h (lib/store/run_archive.cpp ArtifactHash)."""
    for c in data:
        h = ((h ^ c) * FNV_PRIME) & U64
    return h


def fnv_tail(tail):
    """FNV-1a over the fixed bytes `tail`, from any state h, as h * P + C[h & 0xff]:
    xor with a byte adds to h a number set by h's low byte, and the low byte of
    a product depends only on the factors' low bytes, so after any bytes the
    state is h * prime^n plus a term set by h's low byte alone. Hashing a
    clone's artifact id is then one multiply-add after its 8 hex digits."""
    p = pow(FNV_PRIME, len(tail), 1 << 64)
    return p, [(fnv(tail, b) - b * p) & U64 for b in range(256)]


def log_lines(text, run_id):
    """A run log's lines (lib/store/run_archive.h) as [seq, type, at, payload]."""
    if not text.endswith("\n"):
        die("the log of run %s ends mid-line" % run_id)
    out = []
    for line in text[:-1].split("\n"):
        parts = line.split("\t", 3)
        if len(parts) != 4 or not parts[0].isdigit() or not parts[2].lstrip("-").isdigit():
            die("the log of run %s has a bad line: %r" % (run_id, line[:80]))
        out.append([int(parts[0]), parts[1], int(parts[2]), parts[3]])
    if [e[0] for e in out] != list(range(1, len(out) + 1)):
        die("the log of run %s is not events 1..n" % run_id)
    return out


def raw_dict(body):
    """A log dictionary as zstd takes it: raw content, a prefix (ZSTD_CCtx_refPrefix)."""
    return zstandard.ZstdCompressionDict(body, dict_type=zstandard.DICT_TYPE_RAWCONTENT) if body else None


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    each = "--each" in argv
    if len(args) != 3 or not args[2].isdigit() or int(args[2]) < 1:
        die("usage: make_store.py TEMPLATE.db OUT.db N [--each]")
    template_path, out_path, n_total = args[0], args[1], int(args[2])
    started = time.monotonic()

    if not os.path.isfile(template_path):
        die("no template store at " + template_path)
    tpl = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(os.path.abspath(template_path)), uri=True)
    tpl.row_factory = sqlite3.Row
    if tpl.execute("PRAGMA journal_mode").fetchone()[0] == "wal" and os.path.exists(template_path + "-wal") \
            and os.path.getsize(template_path + "-wal") > 0:
        die(template_path + " has an unmerged write-ahead log: stop the sandbox (SIGTERM) first")
    tables = {r[0] for r in tpl.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    unknown = tables - set(CLONED + COPIED + LOGGED + MUST_BE_EMPTY + ["counts", "run_status_counts"])
    if unknown:
        die("the template has tables this script does not know: %s (schema.sql changed? teach make_store.py)"
            % ", ".join(sorted(unknown)))
    for t in MUST_BE_EMPTY:
        if t in tables and tpl.execute("SELECT count(*) FROM %s" % t).fetchone()[0]:
            die("the template has rows in %s, which make_store.py does not clone" % t)
    cols = {t: [r[1] for r in tpl.execute("PRAGMA table_info(%s)" % t)] for t in tables}
    # Schema version 6 keys events and steps by runs.run_key; older ones by run_id.
    keyed = "run_key" in cols["runs"]
    order = {"run_events": "run_key, seq" if keyed else "run_id, seq", "steps": "run_key, ordinal" if keyed else "rowid"}
    rows = {t: [dict(r) for r in tpl.execute("SELECT * FROM %s ORDER BY %s" % (t, order.get(t, "rowid")))]
            for t in CLONED}
    # Each template run's number among them all (1..K): clone q of it gets the
    # run_key q*K + that number, unique over every clone.
    key_rank = {r["id"]: i + 1 for i, r in enumerate(sorted(rows["runs"], key=lambda r: r.get("run_key") or 0))}
    if keyed:
        id_of_key = {r["run_key"]: r["id"] for r in rows["runs"]}
        for t in ["steps", "run_events"]:
            for r in rows[t]:
                if r["run_key"] not in id_of_key:
                    die("%s row of unknown run_key %s" % (t, r["run_key"]))
    def run_id_of(r):
        return r["run_id"] if "run_id" in r else id_of_key[r["run_key"]]

    # Schema version 9: ended runs' logs (expanded here, once) and artifact hashes.
    logs = {}    # run id: [[seq, type, at, payload], ...]
    hashes = {}  # run id: [hash, ...] in the stored order
    dicts = {}   # script_id: zstd dictionary (None: empty)
    if "run_logs" in tables:
        if zstandard is None:
            die("the template has run logs (schema version 9): needs the zstandard module "
                "(apt-get install python3-zstandard)")
        for sid, body in tpl.execute("SELECT script_id, body FROM log_dictionaries"):
            dicts[sid] = raw_dict(body)
        with_rows = {id_of_key[r["run_key"]] for r in rows["run_events"]}
        for key, log, sid in tpl.execute("SELECT l.run_key, l.log, r.script_id FROM run_logs l "
                                         "LEFT JOIN runs r ON r.run_key = l.run_key ORDER BY l.run_key"):
            if key not in id_of_key:
                die("run_logs row of unknown run_key %s" % key)
            rid = id_of_key[key]
            if rid in with_rows:
                die("run %s has both a log and event rows" % rid)
            if sid is not None and sid not in dicts:
                die("run %s: its script %s has no log dictionary" % (rid, sid))
            try:
                text = zstandard.ZstdDecompressor(dict_data=dicts.get(sid)).decompress(log).decode("utf-8")
            except zstandard.ZstdError as e:
                die("the log of run %s does not expand: %s" % (rid, e))
            logs[rid] = log_lines(text, rid)
        for key, value in tpl.execute("SELECT run_key, hashes FROM artifact_hashes ORDER BY run_key"):
            if key not in id_of_key or len(value) % 8:
                die("bad artifact_hashes row of run_key %s" % key)
            hashes[id_of_key[key]] = list(struct.unpack("<%dQ" % (len(value) // 8), value))
        for rid in hashes:
            if rid not in logs:
                die("run %s has artifact hashes but no log" % rid)

    # ---- the template, namespace by namespace
    runs_by_ns = {}
    for r in rows["runs"]:
        if r["status"] not in TERMINAL:
            die("template run %s is %s: only ended runs can be cloned" % (r["id"], r["status"]))
        runs_by_ns.setdefault(r["ns"], []).append(r)
    if not runs_by_ns:
        die("the template has no runs")
    spaces = sorted(runs_by_ns)
    ns_info = {}
    for i, ns in enumerate(spaces):
        rs = sorted(runs_by_ns[ns], key=lambda r: r["ordinal"])
        ts = sorted((t for t in rows["threads"] if t["ns"] == ns), key=lambda t: t["ordinal"])
        if [r["ordinal"] for r in rs] != list(range(1, len(rs) + 1)) or \
                [t["ordinal"] for t in ts] != list(range(1, len(ts) + 1)):
            die("namespace %r: template ordinals are not 1..count" % ns)
        target = n_total if each else n_total // len(spaces) + (1 if i < n_total % len(spaces) else 0)
        ns_info[ns] = {"T": len(rs), "Tt": len(ts), "M": target, "runs": rs, "threads": ts}
    run_ns = {r["id"]: r["ns"] for r in rows["runs"]}
    run_of = {r["id"]: r for r in rows["runs"]}
    thread_ns = {t["id"]: t["ns"] for t in rows["threads"]}
    for t in ["steps", "interrupts", "run_events"]:
        for r in rows[t]:
            if run_id_of(r) not in run_ns:
                die("%s row of unknown run %s" % (t, run_id_of(r)))
    for r in rows["runs"]:
        if thread_ns.get(r["thread_id"]) != r["ns"]:
            die("run %s: its thread is not in its namespace" % r["id"])

    # Time span of each namespace's template: a cycle starts where the last ended.
    for ns, info in ns_info.items():
        lo, hi = None, None
        for t in CLONED:
            for r in rows[t]:
                owner = r["ns"] if t in ("runs", "threads") else run_ns[run_id_of(r)]
                if owner != ns:
                    continue
                for c in cols[t]:
                    if is_instant(c) and isinstance(r[c], int):
                        lo = r[c] if lo is None else min(lo, r[c])
                        hi = r[c] if hi is None else max(hi, r[c])
        for rid, lines in logs.items():
            if run_ns[rid] == ns:
                for e in lines:
                    lo = e[2] if lo is None else min(lo, e[2])
                    hi = e[2] if hi is None else max(hi, e[2])
        info["span"] = max(1, hi - lo)
        info["cycles"] = -(-info["M"] // info["T"])

    # Owned ids: what a clone must not share with another clone.
    owned = set()
    for t in ["runs", "threads", "steps", "interrupts"]:
        owned.update(r["id"] for r in rows[t])
    found = set()
    for t in CLONED:
        for r in rows[t]:
            for c in cols[t]:
                v = as_json(r[c])
                if isinstance(v, (dict, list)):
                    artifact_ids(v, found)
    for lines in logs.values():
        for e in lines:
            v = as_json(e[3])
            if not isinstance(v, dict):
                die("an event's payload in a log is not a JSON object")
            artifact_ids(v, found)
            if e[1] == "step.started":  # a logged run's steps are its step.started events
                if not isinstance(v.get("step_id"), str):
                    die("a step.started event without a step_id")
                owned.add(v["step_id"])
    owned |= found
    marked = {}
    for s in owned:
        m = ID_SHAPE.match(s)
        if not m:
            die("id %r has no 8 hex digits to number clones with" % s)
        marked[s] = (m.group(1) or "") + MARK + m.group(3)
    if len(set(marked.values())) != len(marked):
        die("two template ids differ only in their first 8 hex digits")
    finder = re.compile("|".join(re.escape(s) for s in sorted(owned, key=len, reverse=True)))

    def mark(v):
        if not isinstance(v, str):
            return v
        if "\x01" in v or "\x02" in v or "\x03" in v:
            die("template text holds a control character")
        return finder.sub(lambda m: marked[m.group(0)], v)

    stride = {}
    for r in rows["runs"]:
        key = (r["ns"], r["agent"])
        stride[key] = max(stride.get(key, 0), r.get("agent_seq") or 0)

    # Each logged template run as a %-format of its marked lines: %(h)s the
    # clone's 8 hex digits, %(o)d its ordinal, %(s)d its agent_seq, %(aN)d its
    # N-th distinct instant; and its artifact hashes as (prefix, P, C) of each
    # id in the stored order (fnv_tail), to finish a clone's in one step each.
    by_hash = {}
    for a in found:
        h = fnv(a.encode())
        if by_hash.setdefault(h, a) != a:
            die("artifact ids %r and %r have the same hash" % (a, by_hash[h]))
    log_plans = []  # in run_key order, as the clones are written
    for rid in sorted(logs, key=lambda rid: key_rank[rid]):
        run = run_of[rid]
        info = ns_info[run["ns"]]
        instants = {}
        text = []
        for seq, typ, at, payload in logs[rid]:
            p = mark(payload)
            if typ == "run.started":
                p, n1 = re.subn(r'"ordinal":%d([,}])' % run["ordinal"], '"ordinal":\x02\\1', p, count=1)
                p, _ = re.subn(r'"agent_seq":%d([,}])' % (run.get("agent_seq") or 0), '"agent_seq":\x03\\1', p,
                               count=1)
                if not n1:
                    die("run.started of %s: no \"ordinal\" to renumber" % rid)
            p = p.replace("%", "%%").replace(MARK, "%(h)s").replace("\x02", "%(o)d").replace("\x03", "%(s)d")
            if "\x01" in p:
                die("run %s: a marked id overlaps another" % rid)
            key = instants.setdefault(at, "a%d" % len(instants))
            text.append("%d\t%s\t%%(%s)d\t%s\n" % (seq, mark(typ).replace("%", "%%"), key, p))
        arts = []
        for h in hashes.get(rid, []):
            if h not in by_hash:
                die("run %s: an artifact hash that no artifact id of its log has" % rid)
            m = ID_SHAPE.match(by_hash[h])
            arts.append((m.group(1) or "",) + fnv_tail(m.group(3).encode()))
        log_plans.append({
            "id": rid, "j": run["ordinal"] - 1, "key": key_rank[rid], "T": info["T"],
            "M": info["M"], "last": info["cycles"] - 1, "span": info["span"], "ord": run["ordinal"],
            "aseq": run.get("agent_seq") or 0, "stride": stride.get((run["ns"], run["agent"]), 0),
            "format": "".join(text), "instants": sorted(instants.items()), "arts": arts,
            "zstd": zstandard.ZstdCompressor(level=1, dict_data=dicts.get(run["script_id"]), write_checksum=True,
                                             write_content_size=True),
            "original": [by_hash[h] for h in hashes.get(rid, [])]})

    def clone_log(plan, q):
        """Clone q of a logged run: (run_key, its log's frame, its artifact hashes or None)."""
        h = "%08x" % q
        values = {"h": h, "o": q * plan["T"] + plan["ord"],
                  "s": q * plan["stride"] + plan["aseq"] if plan["aseq"] > 0 else 0}
        shift = (q - plan["last"]) * plan["span"]
        for at, name in plan["instants"]:
            values[name] = at + shift
        frame = plan["zstd"].compress((plan["format"] % values).encode("utf-8"))
        arts = None
        if plan["arts"]:
            state = {}
            out = []
            for prefix, p, c in plan["arts"]:
                if prefix not in state:
                    state[prefix] = fnv((prefix + h).encode())
                s = state[prefix]
                out.append((s * p + c[s & 0xff]) & U64)
            arts = struct.pack("<%dQ" % len(out), *out)
        return q * len(key_rank) + plan["key"], frame, arts

    # Checks on the first and last cycle: the log expands (same dictionary) to
    # the template's lines with this clone's ids, and the hashes are the FNV-1a
    # of those ids.
    for plan in log_plans:
        for q in {0, plan["last"]}:
            if q * plan["T"] + plan["j"] >= plan["M"]:
                continue
            _, frame, arts = clone_log(plan, q)
            dict_data = dicts.get(run_of[plan["id"]]["script_id"])
            text = zstandard.ZstdDecompressor(dict_data=dict_data).decompress(frame).decode("utf-8")
            lines = log_lines(text, plan["id"])
            if [e[1] for e in lines] != [e[1] for e in logs[plan["id"]]]:
                die("run %s: a clone's log does not follow the template's" % plan["id"])
            ids = [marked[a].replace(MARK, "%08x" % q) for a in plan["original"]]
            if (arts or b"") != b"".join(struct.pack("<Q", fnv(a.encode())) for a in ids) or \
                    any(a not in text for a in ids):
                die("run %s: a clone's artifact hashes are not its artifact ids'" % plan["id"])

    # ---- the output: the template's schema, tables first, indexes after the rows
    if os.path.exists(out_path):
        os.remove(out_path)
    for ext in ("-wal", "-shm", "-journal"):
        if os.path.exists(out_path + ext):
            os.remove(out_path + ext)
    out = sqlite3.connect(out_path, isolation_level=None)
    page_size = tpl.execute("PRAGMA page_size").fetchone()[0]
    out.execute("PRAGMA page_size=%d" % page_size)
    out.execute("PRAGMA auto_vacuum=%d" % tpl.execute("PRAGMA auto_vacuum").fetchone()[0])
    out.execute("PRAGMA journal_mode=OFF")
    out.execute("PRAGMA synchronous=OFF")
    out.execute("PRAGMA cache_size=-524288")  # 512 MiB
    out.execute("PRAGMA temp_store=MEMORY")
    schema = tpl.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid").fetchall()
    out.execute("BEGIN")
    for typ, name, sql in schema:
        if typ == "table":
            out.execute(sql)
    out.execute("PRAGMA user_version=%d" % tpl.execute("PRAGMA user_version").fetchone()[0])
    for t in COPIED:
        if t in tables:
            c = cols[t]
            data = tpl.execute("SELECT %s FROM %s" % (", ".join(c), t)).fetchall()
            out.executemany("INSERT INTO %s (%s) VALUES (%s)" % (t, ", ".join(c), ", ".join("?" * len(c))), data)

    # Marked template rows in temp tables, each with what its clones need:
    # _j its run's place in the namespace cycle (threads: the first run of the
    # thread), _T/_Tt runs/threads per cycle, _M runs wanted, _span, _last
    # (the last cycle), _stride (agent_seq per cycle), _ord/_aseq (its run's).
    first_run_of_thread = {}
    for r in rows["runs"]:
        j = r["ordinal"] - 1
        first_run_of_thread[r["thread_id"]] = min(first_run_of_thread.get(r["thread_id"], j), j)
    extra = ["_j", "_T", "_Tt", "_M", "_span", "_last", "_stride", "_ord", "_aseq", "_K", "_key"]
    exprs = {}
    for t in CLONED:
        c = cols[t]
        out.execute("CREATE TEMP TABLE t_%s (%s)" % (t, ", ".join(c + extra)))
        data = []
        mark_cols = set()
        for r in rows[t]:
            if t == "threads":
                ns, j = r["ns"], first_run_of_thread.get(r["id"], 0)
                run = None
            else:
                run = r if t == "runs" else run_of[run_id_of(r)]
                ns, j = run["ns"], run["ordinal"] - 1
            info = ns_info[ns]
            v = {k: mark(r[k]) for k in c}
            for k in c:
                if isinstance(v[k], str) and MARK in v[k]:
                    mark_cols.add(k)
            if t == "run_events" and r["type"] == "run.started":
                p = v["payload"]
                p, n1 = re.subn(r'"ordinal":%d([,}])' % run["ordinal"], '"ordinal":\x02\\1', p, count=1)
                p, n2 = re.subn(r'"agent_seq":%d([,}])' % (run.get("agent_seq") or 0), '"agent_seq":\x03\\1', p,
                                count=1)
                if not n1:
                    die("run.started of %s: no \"ordinal\" to renumber" % run["id"])
                v["payload"] = p
            st = stride.get((ns, run["agent"]), 0) if run else 0
            data.append([v[k] for k in c] + [j, info["T"], info["Tt"], info["M"], info["span"], info["cycles"] - 1, st,
                                             run["ordinal"] if run else 0,
                                             (run.get("agent_seq") or 0) if run else 0,
                                             len(key_rank), key_rank[run["id"]] if run else 0])
        out.executemany("INSERT INTO t_%s VALUES (%s)" % (t, ", ".join("?" * (len(c) + len(extra)))), data)
        e = []
        for k in c:
            if is_instant(k):
                e.append("t.%s + (q.n - t._last) * t._span" % k)
            elif k == "ordinal" and t == "runs":
                e.append("q.n * t._T + t.ordinal")
            elif k == "ordinal" and t == "threads":
                e.append("q.n * t._Tt + t.ordinal")
            elif k == "run_key":
                e.append("q.n * t._K + t._key")
            elif k == "agent_seq" and t == "runs":
                e.append("CASE WHEN t.agent_seq > 0 THEN q.n * t._stride + t.agent_seq ELSE 0 END")
            elif k == "payload" and t == "run_events":
                e.append("replace(replace(replace(t.payload, %s, q.h), char(2), q.n * t._T + t._ord), char(3), "
                         "CASE WHEN t._aseq > 0 THEN q.n * t._stride + t._aseq ELSE 0 END)" % MARK_SQL)
            elif k in mark_cols:
                e.append("replace(t.%s, %s, q.h)" % (k, MARK_SQL))
            else:
                e.append("t.%s" % k)
        exprs[t] = (c, e)

    max_cycles = max(i["cycles"] for i in ns_info.values())
    done_runs = 0
    for lo in range(0, max_cycles, CYCLES_PER_BATCH):
        hi = min(max_cycles, lo + CYCLES_PER_BATCH)
        for t in CLONED:
            c, e = exprs[t]
            out.execute(
                "WITH RECURSIVE q(n, h) AS (SELECT ?1, printf('%%08x', ?1) UNION ALL "
                "SELECT n + 1, printf('%%08x', n + 1) FROM q WHERE n + 1 < ?2) "
                "INSERT INTO main.%s (%s) SELECT %s FROM q CROSS JOIN temp.t_%s AS t "
                "WHERE q.n * t._T + t._j < t._M" % (t, ", ".join(c), ", ".join(e), t), (lo, hi))
        if log_plans:
            made = [clone_log(plan, q) for q in range(lo, hi) for plan in log_plans
                    if q * plan["T"] + plan["j"] < plan["M"]]
            out.executemany("INSERT INTO main.run_logs (run_key, log) VALUES (?, ?)", ((k, f) for k, f, _ in made))
            out.executemany("INSERT INTO main.artifact_hashes (run_key, hashes) VALUES (?, ?)",
                            ((k, a) for k, _, a in made if a is not None))
            del made
        done_runs = sum(min(i["M"], hi * i["T"]) for i in ns_info.values())
        print("  %d/%d runs, %.1f s" % (done_runs, sum(i["M"] for i in ns_info.values()),
                                        time.monotonic() - started), file=sys.stderr)

    # counts from the rows.
    out.execute("DELETE FROM counts")
    out.execute("INSERT INTO counts (ns, what, n) SELECT ns, 'runs', count(*) FROM runs GROUP BY ns")
    out.execute("INSERT INTO counts (ns, what, n) SELECT ns, 'threads', count(*) FROM threads GROUP BY ns")
    if "run_status_counts" in tables:  # schema version 5: kept by triggers, made here after the rows
        out.execute("DELETE FROM run_status_counts")
        out.execute("INSERT INTO run_status_counts (ns, agent, status, n) "
                    "SELECT ns, agent, status, count(*) FROM runs GROUP BY ns, agent, status")
    t_rows = time.monotonic()
    for typ, name, sql in schema:
        if typ in ("index", "trigger"):
            out.execute(sql)
    out.execute("COMMIT")
    t_index = time.monotonic()

    # What must hold for the engine: per namespace, ordinals 1..count.
    for ns, info in ns_info.items():
        for t in ("runs", "threads"):
            n, top = out.execute("SELECT count(*), max(ordinal) FROM %s WHERE ns = ?" % t, (ns,)).fetchone()
            stored = out.execute("SELECT n FROM counts WHERE ns = ? AND what = ?", (ns, t)).fetchone()[0]
            if n != top or n != stored:
                die("namespace %r: %s count %d, max ordinal %s, counts %d" % (ns, t, n, top, stored))
        if out.execute("SELECT count(*) FROM runs WHERE ns = ?", (ns,)).fetchone()[0] != info["M"]:
            die("namespace %r: wrong number of runs" % ns)
    out.close()
    size = os.path.getsize(out_path)
    total = sum(i["M"] for i in ns_info.values())
    print("make_store.py: %d runs (%s) in %.1f s (rows %.1f s, indexes %.1f s); %.0f MiB, %d bytes per run" % (
        total, ", ".join("%s: %d" % (ns, i["M"]) for ns, i in sorted(ns_info.items())),
        time.monotonic() - started, t_rows - started, t_index - t_rows, size / 2**20, size // total))


if __name__ == "__main__":
    main(sys.argv[1:])
