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

The template rows themselves are not copied: OUT.db holds the clones only.
meta, scripts, webhooks and object_states are copied as they are; counts (and
run_status_counts, whose triggers are made after the rows) are written from the
real row counts. Tables keyed by a run or thread that this does not clone
(feedback, actions, idempotency_keys, webhook_deliveries, webhook_attempts, webhook_bodies)
must be empty in the template, and every template run must have ended.

Python's standard library only. One transaction, journal off, secondary
indexes built after the rows. Prints what it wrote and how long it took.
"""
import json
import os
import re
import sqlite3
import sys
import time
import urllib.parse

CLONED = ["threads", "runs", "steps", "interrupts", "run_events"]
COPIED = ["meta", "scripts", "webhooks", "object_states"]
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
    unknown = tables - set(CLONED + COPIED + MUST_BE_EMPTY + ["counts", "run_status_counts"])
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
