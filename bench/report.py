#!/usr/bin/env python3
"""The reporting half of bench/run: reads the "key value" result files of one run and writes
what people read.

  report.py summary <result file>          one line for the progress output
  report.py section <run folder> <images>  the dated Markdown section (stdout) and the plot data
                                           (<run folder>/transfers.dat, reads.dat); <images> is the
                                           path prefix of the PNGs as the section links them
  report.py insert <benchmarks.md> <section file>
                                           puts the section first, under the file's introduction,
                                           so the history below it stays as it was
"""
import pathlib, statistics, sys


def read(path):
    values = {}
    for line in pathlib.Path(path).read_text().splitlines():
        key, _, value = line.partition(" ")
        if key:
            values[key] = value.strip()
    return values


def number(values, key, default=0.0):
    try:
        return float(values.get(key, default))
    except ValueError:
        return default


def transfer_figures(r):
    """Figures of a transfers.lua run: accepted transfers/s, refusal share, CPU per transfer."""
    seconds = number(r, "seconds", 1) or 1
    per = number(r, "per_request", 1)
    accepted = number(r, "s201")
    answered = number(r, "answered")
    refused = number(r, "s503") + number(r, "s429")
    return {
        "rate": accepted * per / seconds,
        "requests_rate": answered / seconds,
        "refused_share": refused / answered if answered else 0.0,
        "cpu_us": number(r, "cpu_seconds") * 1e6 / (accepted * per) if accepted else float("nan"),
        "p50": number(r, "p50_ms", float("nan")),
        "p99": number(r, "p99_ms", float("nan")),
        "all_201": answered > 0 and accepted == answered and number(r, "socket_errors") == 0,
    }


def summary(path):
    r = read(path)
    if "ok" in r:
        return (f"ok {r['ok'].lower()} ({int(number(r, 'transfers')):,} transfers, {int(number(r, 'entries')):,} entries, "
                f"{number(r, 'seconds'):.1f} s)")
    if "rps" in r:
        return (f"{number(r, 'rps'):,.0f} req/s, p50 {number(r, 'p50_ms'):.2f} ms, p99 {number(r, 'p99_ms'):.2f} ms, "
                f"{int(number(r, 'failed'))} failed, {int(number(r, 'socket_errors'))} socket errors")
    if number(r, "s202") > 0:
        seconds = number(r, "seconds", 1) or 1
        return (f"{number(r, 's202') / seconds:,.0f} × 202 Accepted/s (Prefer: respond-async), wrk's p50 {number(r, 'all_p50_ms'):.1f} ms, "
                f"p99 {number(r, 'all_p99_ms'):.1f} ms; 201 {int(number(r, 's201')):,}, 503 {int(number(r, 's503')):,}, "
                f"429 {int(number(r, 's429')):,}, other {int(number(r, 'other'))}; "
                f"{number(r, 'cpu_seconds') * 1e6 / number(r, 's202'):.0f} µs server CPU per accepted request")
    f = transfer_figures(r)
    statuses = f"201 {int(number(r, 's201')):,}, 503 {int(number(r, 's503')):,}, 429 {int(number(r, 's429')):,}, other {int(number(r, 'other'))}"
    return (f"{f['rate']:,.0f} transfers/s accepted, p50 {f['p50']:.1f} ms, p99 {f['p99']:.1f} ms; {statuses}; "
            f"{f['cpu_us']:.0f} µs server CPU per transfer")


def verdict(ok):
    return "met" if ok else "**not met**"


def mib(kib):
    return kib / 1024


def section(folder, images):
    folder = pathlib.Path(folder)
    results = {p.stem: p for p in (folder / "results").glob("*.txt")}
    get = lambda name: read(results[name]) if name in results else {}
    meta = get("meta")
    quick = meta.get("quick") == "1"
    seconds = meta.get("seconds")
    history = int(number(meta, "history"))
    small = int(number(meta, "small_history"))
    lines = []
    w = lines.append

    stamp = meta.get("started", "?")
    title = f"## {stamp[:10]} {stamp[11:16]} UTC — `bench/run`"
    if meta.get("label"):
        title += f", {meta['label']}"
    if quick:
        title += " (smoke run, `--quick`)"
    w(title)
    w("")
    if quick:
        w("> **A smoke run of the harness (`--quick`, short loads, small history): these numbers are not "
          "measurements and must not be compared with anything.**")
        w("")
    cores = meta.get("cores", "?")
    w(f"`bench/run {meta.get('binary', '?')}`: one binary ({number(meta, 'binary_bytes') / 2**20:.0f} MiB, sha256 "
      f"`{meta.get('binary_sha256', '?')[:12]}`), harness `{meta.get('harness', '?')}`; {cores} cores "
      f"({meta.get('cpu', '?')}), {number(meta, 'memory_kib') / 2**20:.0f} GiB, Linux {meta.get('kernel', '?')}; "
      f"wrk {meta.get('wrk', '?')} on the same cores, {seconds} s per load ({meta.get('page_seconds', '?')} s per statement-page "
      f"load), loopback. Every part on fresh servers, "
      f"embedded SQLite (WAL, `synchronous` FULL). Load average (1, 5, 15 min) {meta.get('load_start', '?')} at the "
      f"start, {meta.get('load_end', '?')} at the end; from {stamp} to {meta.get('finished', '?')}. How each figure "
      f"is measured: the header of `bench/run` and the tables below.")
    try:
        if float(meta.get("load_start", "0").split()[0]) > int(cores) / 2:
            w("")
            w(f"> The machine was not idle when this run started (load {meta['load_start'].split()[0]} on {cores} cores).")
    except ValueError:
        pass
    w("")

    spread = get("transfers-c64")
    fs = transfer_figures(spread) if spread else None
    hot = get("hot-c64")
    fh = transfer_figures(hot) if hot else None
    batch = get("batch-c4")
    fb = transfer_figures(batch) if batch else None
    batch16 = get("batch-c16")
    fb16 = transfer_figures(batch16) if batch16 else None
    v_main = get("verify-main")
    verified = v_main.get("ok", "").lower() == "true"

    w("| figure | goal | this run | |")
    w("|---|---|---|---|")
    if fs:
        w(f"| `POST /v1/transfers`, 64 connections, 20 funded accounts | ≥ 10,000 transfers/s, p99 ≤ 20 ms, every answer "
          f"201, verify ok | {fs['rate']:,.0f}/s, p99 {fs['p99']:.1f} ms, "
          f"{'every answer 201' if fs['all_201'] else 'not every answer 201: ' + status_text(spread)}, "
          f"verify {'ok' if verified else 'FAILED'} | "
          f"{verdict(fs['rate'] >= 10000 and fs['p99'] <= 20 and fs['all_201'] and verified)} |")
    if fs and fh:
        ratio = fh["rate"] / fs["rate"] if fs["rate"] else 0
        w(f"| the same, every transfer from one hot account to 20 others | ≥ 0.8 × the above | {fh['rate']:,.0f}/s = "
          f"{ratio:.2f} ×, p99 {fh['p99']:.1f} ms | {verdict(ratio >= 0.8)} |")
    if fb:
        w(f"| `POST /v1/transfers/batch`, 100 per request, 4 connections | ≥ 40,000 transfers/s | {fb['rate']:,.0f}/s "
          f"({fb['requests_rate']:,.0f} requests/s answered, {100 * fb['refused_share']:.1f} % refused, p99 {fb['p99']:.1f} ms) | "
          f"{verdict(fb['rate'] >= 40000)} |")
    if fb16:
        w(f"| the same at 16 connections (1,500 transfers queued ahead: past the queueing budget) | shed, not queued | "
          f"{fb16['rate']:,.0f}/s accepted, {100 * fb16['refused_share']:.1f} % of requests refused `ledger_busy`, "
          f"p99 of accepted {fb16['p99']:.1f} ms | |")
    if fs:
        w(f"| server CPU per transfer (utime + stime ÷ transfers, 64 connections) | ≤ 100 µs | {fs['cpu_us']:.0f} µs "
          f"(batch: {fb['cpu_us']:.0f} µs) | {verdict(fs['cpu_us'] <= 100)} |" if fb else
          f"| server CPU per transfer | ≤ 100 µs | {fs['cpu_us']:.0f} µs | {verdict(fs['cpu_us'] <= 100)} |")
    read_rows = []
    for variant in ("memory", "redis"):
        account, health = get(f"read-account-{variant}"), get(f"read-health-{variant}")
        if account and health:
            ratio = number(account, "rps") / number(health, "rps") if number(health, "rps") else 0
            read_rows.append((variant, account, health, ratio))
    if read_rows:
        first = read_rows[0]
        others = "; ".join(f"with Redis L2 {r[3]:.2f}" for r in read_rows[1:])
        bad = failures(first[1], first[2])
        w(f"| cached authenticated `GET /v1/accounts/{{id}}` ÷ `GET /health/live`, same run | ≥ 0.6 | "
          f"{number(first[1], 'rps'):,.0f} / {number(first[2], 'rps'):,.0f} = {first[3]:.2f} (memory cache)"
          f"{'; ' + others if others else ''}{'; ' + bad if bad else ''} | {verdict(first[3] >= 0.6 and not bad)} |")
    long_t = get("history-transfers-c64")
    if fs and long_t:
        fl = transfer_figures(long_t)
        ratio = fl["rate"] / fs["rate"] if fs["rate"] else 0
        w(f"| transfers/s with {history:,} transfers already there ÷ on an empty database | ≥ 0.8 | "
          f"{fl['rate']:,.0f} / {fs['rate']:,.0f} = {ratio:.2f} | {verdict(ratio >= 0.8)} |")
    pages = {(kind, tag): get(f"page-{kind}-{tag}") for kind in ("newest", "random") for tag in ("long", "short")}
    if all(pages.values()):
        bad = failures(*pages.values())
        ratios = {kind: number(pages[kind, "long"], "p50_ms") / max(1e-9, number(pages[kind, "short"], "p50_ms"))
                  for kind in ("newest", "random")}
        w(f"| a statement page at {history:,} entries ÷ at {small:,} (p50, 1 connection) | ≤ 1.3 | newest page "
          f"{number(pages['newest', 'long'], 'p50_ms'):.2f} / {number(pages['newest', 'short'], 'p50_ms'):.2f} ms = "
          f"{ratios['newest']:.2f}; random pages {number(pages['random', 'long'], 'p50_ms'):.2f} / "
          f"{number(pages['random', 'short'], 'p50_ms'):.2f} ms = {ratios['random']:.2f}{'; ' + bad if bad else ''} | "
          f"{verdict(max(ratios.values()) <= 1.3 and not bad)} |")
    startup = startup_rows(results.get("startup"))
    if startup:
        empty = [ms for kind, _, ms, _ in startup if kind == "empty"]
        rss = [kib for _, _, _, kib in startup]
        w(f"| idle RSS after start-up | ≤ 60 MiB | {mib(min(rss)):.0f}–{mib(max(rss)):.0f} MiB | {verdict(mib(max(rss)) <= 60)} |")
        w(f"| start-up to the first 200, empty folder | ≤ 100 ms | median {statistics.median(empty):.0f} ms "
          f"({min(empty)}–{max(empty)} ms, {len(empty)} runs) | {verdict(statistics.median(empty) <= 100)} |")
    unloaded, paced = get("overload-unloaded"), get("overload-4x")
    if unloaded and paced:
        fu, fp = transfer_figures(unloaded), transfer_figures(paced)
        w(f"| overload (issue 9): p99 of accepted transfers at 4× the sustainable load ÷ unloaded p99 | ≤ 2 | "
          f"{fp['p99']:.1f} / {fu['p99']:.1f} ms = {fp['p99'] / fu['p99']:.1f}, {100 * fp['refused_share']:.1f} % refused "
          f"(503 `ledger_busy`) | {verdict(fp['p99'] <= 2 * fu['p99'])} |")
    limit = get("limit-c16")
    if limit:
        allowed = 100 + 50 * number(limit, "seconds")
        ok = (number(limit, "s201") <= allowed + 50 and number(limit, "no_retry_after") == 0
              and number(limit, "other") == 0 and number(limit, "s429") > 0)
        w(f"| per-user money-movement limit (100 at once, 50/s), one user, 16 connections | 201 ≤ 100 + 50/s, the rest 429 "
          f"with `Retry-After` | {int(number(limit, 's201')):,} × 201 (allowed {allowed:,.0f} in {number(limit, 'seconds'):.1f} s), "
          f"{int(number(limit, 's429')):,} × 429, {int(number(limit, 'no_retry_after'))} without `Retry-After`, "
          f"{int(number(limit, 'other'))} other | {verdict(ok)} |")
    visibility = get("visibility")
    if visibility:
        w(f"| cross-replica visibility: a deposit through replica A, seen on B that had the account cached "
          f"(3 replicas, Redis, nginx; {int(number(visibility, 'rounds'))} deposits) | ≤ 100 ms | median "
          f"{number(visibility, 'median_ms'):.1f} ms, p95 {number(visibility, 'p95_ms'):.1f} ms, max "
          f"{number(visibility, 'max_ms'):.1f} ms | {verdict(number(visibility, 'max_ms') <= 100)} |")
    memory = get("memory-main")
    if memory:
        w(f"| peak RSS of the transfers server over all its loads (VmHWM) | (reported) | {mib(number(memory, 'peak_rss_kib')):.0f} MiB | |")
    w("")
    w(f"![Transfers against connection count: throughput, p50 and p99]({images}-transfers.png)")
    w("")
    w(f"![Cached authenticated read against /health/live]({images}-reads.png)")
    w("")

    # Transfers against connection count, and the plot data.
    w("Transfers against connection count (`POST /v1/transfers`, random pairs of 20 accounts, closed loop; "
      "latency per accepted request, client side):")
    w("")
    w("| connections | accepted transfers/s | p50 | p99 | p99.9 | refused (503) | server CPU per transfer |")
    w("|---|---|---|---|---|---|---|")
    with open(folder / "transfers.dat", "w") as dat:
        dat.write("# connections transfers/s p50_ms p99_ms\n")
        for c in (1, 8, 64, 256):
            r = get(f"transfers-c{c}")
            if not r:
                continue
            f = transfer_figures(r)
            dat.write(f"{c} {f['rate']:.0f} {f['p50']} {f['p99']}\n")
            w(f"| {c} | {f['rate']:,.0f} | {f['p50']:.1f} ms | {f['p99']:.1f} ms | {number(r, 'p999_ms'):.1f} ms | "
              f"{100 * f['refused_share']:.1f} % | {f['cpu_us']:.0f} µs |")
    w("")

    if unloaded and paced:
        fu, fp = transfer_figures(unloaded), transfer_figures(paced)
        flood = get("transfers-c256")
        w("Overload (issue 9), the same server: the money-movement limit lifted, `Ledger:MaxQueueWait` automatic, "
          "`Ledger:MaxWriterWait` 5 s:")
        w("")
        w("| phase | answered/s | accepted transfers/s | p50 / p99 of accepted | refused (503) | refusals without `Retry-After` |")
        w("|---|---|---|---|---|---|")
        rows = [("unloaded: 16 connections, closed loop", unloaded), ("sustainable: 64 connections, closed loop", spread),
                (f"4×: 256 connections, each waiting {paced.get('delay_ms', '?')} ms after every answer "
                 f"(at most {256000 / max(1, number(paced, 'delay_ms', 1)):,.0f} req/s offered = 4 × {int(number(paced, 'sustainable')):,})", paced),
                ("256 connections, closed loop without think time", flood)]
        for name, r in rows:
            if r:
                f = transfer_figures(r)
                w(f"| {name} | {f['requests_rate']:,.0f} | {f['rate']:,.0f} | {f['p50']:.1f} / {f['p99']:.1f} ms | "
                  f"{100 * f['refused_share']:.1f} % | {int(number(r, 'no_retry_after'))} |")
        if memory:
            w(f"| peak RSS over all the loads of this server (VmHWM) | {mib(number(memory, 'peak_rss_kib')):.0f} MiB | | | | |")
        w("")

    none, hooked, deliveries, burst = get("events-none-c64"), get("events-endpoint-c64"), get("deliveries"), get("async-c64")
    if none:
        fn = transfer_figures(none)
        w("Events, webhooks and asynchronous writes (issue 14), a fresh server, 64 connections, the money-movement limit lifted "
          "(every transaction writes its events; `transfers-c64` above is the same load on the first server):")
        w("")
        w("| figure | this run |")
        w("|---|---|")
        w(f"| `POST /v1/transfers`, no webhook endpoint | {fn['rate']:,.0f} transfers/s, p50 {fn['p50']:.1f} ms, p99 {fn['p99']:.1f} ms, "
          f"{fn['cpu_us']:.0f} µs server CPU per transfer |")
        if hooked:
            fh2 = transfer_figures(hooked)
            w(f"| the same with one endpoint subscribed to `transfer.posted`, delivering to a local nginx (204) meanwhile | "
              f"{fh2['rate']:,.0f} transfers/s = {fh2['rate'] / max(1, fn['rate']):.2f} × without, p99 {fh2['p99']:.1f} ms, "
              f"{fh2['cpu_us']:.0f} µs server CPU per transfer |")
        if deliveries:
            w(f"| deliveries of that load to the receiver | {int(number(deliveries, 'delivered')):,} of {int(number(deliveries, 'expected')):,} "
              f"in {number(deliveries, 'seconds'):.1f} s = {number(deliveries, 'rate'):,.0f} deliveries/s |")
        if burst:
            seconds = number(burst, "seconds", 1) or 1
            rate = number(burst, "s202") / seconds
            w(f"| `Prefer: respond-async`, the same load | {rate:,.0f} × 202/s = {rate / max(1, fn['rate']):.2f} × the 201s/s without it "
              f"(wrk's p99 {number(burst, 'all_p99_ms'):.1f} ms), {int(number(burst, 's503')):,} × 503; backlog at the end "
              f"{int(number(burst, 'backlog_at_end_of_load')):,}, drained in {number(burst, 'drain_seconds'):.1f} s "
              f"({int(number(burst, 'backlog_left'))} left) |")
        w("")

    with open(folder / "reads.dat", "w") as dat:
        dat.write("# variant account_read_rps health_live_rps ratio\n")
        if read_rows:
            w("Reads, 64 connections (`Cache-Status` of the first two reads of the account; wrk's latency):")
            w("")
            w("| variant | cached `GET /v1/accounts/{id}` | `GET /health/live` | ratio | `Cache-Status` |")
            w("|---|---|---|---|---|")
            for variant, account, health, ratio in read_rows:
                cache = get(f"cache-{variant}")
                name = "memory cache only" if variant == "memory" else "memory + Redis L2 and backplane"
                w(f"| {name} | {number(account, 'rps'):,.0f} req/s, p50 {number(account, 'p50_ms'):.2f} / p99 "
                  f"{number(account, 'p99_ms'):.2f} ms | {number(health, 'rps'):,.0f} req/s, p50 {number(health, 'p50_ms'):.2f} / "
                  f"p99 {number(health, 'p99_ms'):.2f} ms | {ratio:.2f} | {cache.get('cache_status_first', '?')} → "
                  f"{cache.get('cache_status_second', '?')}{', ' + cache['redis_entries'] + ' key(s) in Redis' if 'redis_entries' in cache else ''} |")
                short = "memory cache" if variant == "memory" else "memory + Redis L2"
                dat.write(f'"{short}" {number(account, "rps"):.0f} {number(health, "rps"):.0f} {ratio:.2f}\n')
            w("")

    seed_long, seed_short = get(f"seed-{history}"), get(f"seed-{small}")
    if seed_long and long_t:
        fl = transfer_figures(long_t)
        v_long = get("verify-history")
        built = ("taken from the cache" if seed_long.get("cached") == "1" else "seeded in this run") + \
            f" (seeding took {number(seed_long, 'seed_seconds'):.0f} s when it was made; copied in {number(seed_long, 'copy_seconds'):.0f} s)"
        w(f"Long history: {history:,} posted transfers ({history:,} of their entries on one account, the other {history:,} "
          f"spread over 20 more), {number(seed_long, 'bytes') / 2**30:.1f} GiB, {built}; made by the binary and "
          f"`bench/seed_history.py`. Ledger verify on it: {'ok' if v_long.get('ok', '').lower() == 'true' else 'FAILED'} "
          f"in {number(v_long, 'seconds'):.1f} s.")
        w("")
        w(f"| figure | {history:,} transfers | empty / {small:,} entries | ratio |")
        w("|---|---|---|---|")
        if fs:
            w(f"| transfers, 64 connections: accepted/s, p99 | {fl['rate']:,.0f}/s, {fl['p99']:.1f} ms | "
              f"{fs['rate']:,.0f}/s, {fs['p99']:.1f} ms (empty) | {fl['rate'] / fs['rate'] if fs['rate'] else 0:.2f} |")
        for kind, text in (("newest", "the newest statement page (20 entries)"), ("random", "a statement page at a random place")):
            lo, sh = pages[kind, "long"], pages[kind, "short"]
            if lo and sh:
                w(f"| {text}, 1 connection: p50 / p99, req/s | {number(lo, 'p50_ms'):.2f} / {number(lo, 'p99_ms'):.2f} ms, "
                  f"{number(lo, 'rps'):,.0f}/s | {number(sh, 'p50_ms'):.2f} / {number(sh, 'p99_ms'):.2f} ms, {number(sh, 'rps'):,.0f}/s | "
                  f"{number(lo, 'p50_ms') / max(1e-9, number(sh, 'p50_ms')):.2f} |")
        for name, text in (("asof-random", "the balance as of a random instant (GET …/balance?at=)"),
                           ("search-newest", "the newest page of the account's transfers (GET /v1/transfers?accountId=)"),
                           ("search-random", "a page of its posted transfers before a random createdTo")):
            lo, sh = get(f"{name}-long"), get(f"{name}-short")
            if lo and sh:
                w(f"| {text}, 1 connection: p50 / p99, req/s | {number(lo, 'p50_ms'):.2f} / {number(lo, 'p99_ms'):.2f} ms, "
                  f"{number(lo, 'rps'):,.0f}/s | {number(sh, 'p50_ms'):.2f} / {number(sh, 'p99_ms'):.2f} ms, {number(sh, 'rps'):,.0f}/s | "
                  f"{number(lo, 'p50_ms') / max(1e-9, number(sh, 'p50_ms')):.2f} |")
        q_long, q_short = get("query-long"), get("query-short")
        if q_long and q_short:
            w(f"| the page's query alone in SQLite (median of 300): newest / middle / oldest page | "
              f"{number(q_long, 'newest_us'):.0f} / {number(q_long, 'middle_us'):.0f} / {number(q_long, 'oldest_us'):.0f} µs | "
              f"{number(q_short, 'newest_us'):.0f} / {number(q_short, 'middle_us'):.0f} / {number(q_short, 'oldest_us'):.0f} µs | "
              f"{number(q_long, 'newest_us') / max(1e-9, number(q_short, 'newest_us')):.2f} (newest) |")
            w("")
            w(f"Query plan on the long history: `{q_long.get('plan', '?')}`.")
        w("")

    if startup:
        w("Start-up to the first 200 and idle RSS two seconds later, no configuration at all:")
        w("")
        w("| | first 200 | idle RSS |")
        w("|---|---|---|")
        for kind, text in (("empty", "empty folder (creates the database and keys, applies the migrations)"),
                           ("restart", "restart on that database")):
            rows = [(ms, kib) for k, _, ms, kib in startup if k == kind]
            if rows:
                w(f"| {text} | {', '.join(str(ms) for ms, _ in rows)} ms | "
                  f"{', '.join(f'{mib(kib):.0f}' for _, kib in rows)} MiB |")
        w("")
    return "\n".join(lines) + "\n"


def failures(*runs):
    """What went wrong in reads.lua runs (answers of 400 or more, socket errors), or ""."""
    failed = sum(number(r, "failed") for r in runs)
    errors = sum(number(r, "socket_errors") for r in runs)
    return ", ".join(text for n, text in ((failed, f"{failed:,.0f} answers ≥ 400"), (errors, f"{errors:,.0f} socket errors")) if n)


def status_text(r):
    names = {"s201": "201", "s503": "503", "s429": "429", "other": "other", "socket_errors": "socket errors"}
    return ", ".join(f"{name} {int(number(r, key)):,}" for key, name in names.items() if number(r, key))


def startup_rows(path):
    if path is None:
        return []
    rows = []
    for line in pathlib.Path(path).read_text().splitlines():
        kind, run, ms, kib = line.split()
        rows.append((kind, int(run), int(ms), int(kib)))
    return rows


def insert(report, section_file):
    report, text = pathlib.Path(report), pathlib.Path(section_file).read_text()
    existing = report.read_text() if report.exists() else "# Benchmarks\n\n"
    at = existing.find("\n## ")
    if at < 0:
        report.write_text(existing.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n")
    else:
        report.write_text(existing[:at + 1] + text.rstrip("\n") + "\n\n" + existing[at + 1:])


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "summary":
        print(summary(sys.argv[2]))
    elif command == "section":
        sys.stdout.write(section(sys.argv[2], sys.argv[3]))
    elif command == "insert":
        insert(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
