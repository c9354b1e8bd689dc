#!/usr/bin/env python3
"""inlinks-bench: the end-to-end benchmark harness (issue 6). One command, one report.

In one run on this machine, with politeness off and the SSRF allow list set to loopback,
for each site size (and for a static corpus with --corpus):

  1. limit    bare gumbo parse of the same pages from memory on every core
              (inlinks-gumbo-limit, bench/e2e/gumbo_limit.cc);
  2. inlinks  `inlinksd crawl --once` of the whole site served by `inlinks-web`, under
              /usr/bin/time -v: wall and CPU seconds, peak RSS, pages/s, links/s, MB/s and the
              daemon's own fetch/parse/index split from its summary line;
  3. peer     wget2 (recursive, many threads, robots on, nothing kept on disk) on the same site,
              with the server as its HTTP proxy; Scrapy only when installed;
  4. queries  `inlinksd serve` over the crawled index and wrk on the domain dialect, first page
              and deep page, JSON and XML: requests/s, p50, p99;
  5. answers  `inlinks backlinks` totals (and rows for small scopes) of sampled domains, hosts
              and URLs against `inlinks-web --backlinks` ground truth; any mismatch fails the run;
  6. ratios   inlinks / limit and inlinks / wget2 in pages/s; time per page across sizes.

Prints a table and writes a JSON report (--out). Python 3 standard library only (Debian's
python3). Loopback only. Exit status: 0 ok, 1 a mismatch or a failed step, 2 bad usage.

  bench/e2e/inlinks_bench.py --build build-release --sizes 10000,200000
  bench/e2e/inlinks_bench.py --corpus /usr/share/doc/libboost1.81-doc
"""

import argparse
import collections
import concurrent.futures
import datetime
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

PAGES_PER_HOST = 200
LIMIT_MAX_PAGES = 20000  # pages rendered for the gumbo limit (25 KB each: 500 MB)
CORPUS_HOST = "corpus.test"


def log(msg):
    print(f"[inlinks-bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class StepError(Exception):
    """A step that cannot run (missing tool, tool failure)."""


def loadavg():
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


# ---------------------------------------------------------------------------------------------
# Processes


class Server:
    """inlinks-web in the background: `listening ADDR:PORT` first, stats on SIGTERM."""

    def __init__(self, binary, args, workdir, name):
        self.errpath = os.path.join(workdir, f"{name}.stderr")
        self.err = open(self.errpath, "w")
        cmd = [binary, "--listen", "127.0.0.1:0"] + args
        log("start: " + " ".join(cmd))
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.err, text=True)
        line = self.proc.stdout.readline()
        m = re.match(r"listening (\S+):(\d+)", line)
        if not m:
            self.proc.kill()
            raise StepError(f"inlinks-web did not start: {line!r}; see {self.errpath}")
        self.port = int(m.group(2))
        self.cmd = cmd

    def stop(self):
        """SIGTERM, then the counters it prints: connections, requests, bytes."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()
        with open(self.errpath) as f:
            text = f.read()
        m = re.search(r"(\d+) connections, (\d+) requests, (\d+) bytes", text)
        if not m:
            return {}
        return {"connections": int(m.group(1)), "requests": int(m.group(2)),
                "bytes": int(m.group(3))}


def run(cmd, timeout=None, check=True, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise StepError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[-800:]}")
    return p


def parse_time_v(text):
    """GNU time -v output -> wall, user, sys, rss."""
    out = {}
    m = re.search(r"Elapsed \(wall clock\) time.*?: (?:(\d+):)?(\d+):([\d.]+)", text)
    if m:
        out["wall_s"] = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    for key, pat in (("user_s", r"User time \(seconds\): ([\d.]+)"),
                     ("sys_s", r"System time \(seconds\): ([\d.]+)"),
                     ("peak_rss_mb", r"Maximum resident set size \(kbytes\): (\d+)")):
        m = re.search(pat, text)
        if m:
            out[key] = float(m.group(1))
    if "peak_rss_mb" in out:
        out["peak_rss_mb"] = round(out["peak_rss_mb"] / 1024, 1)
    if "user_s" in out and "sys_s" in out:
        out["cpu_s"] = round(out["user_s"] + out["sys_s"], 2)
    return out


def ensure_tools(args):
    """Installs the Debian packages the run needs when missing (apt-get, if root)."""
    wanted = {"/usr/bin/time": "time", "wget2": "wget2", "wrk": "wrk"}
    missing = [pkg for tool, pkg in wanted.items() if not shutil.which(tool)]
    if not missing:
        return
    if args.no_install or os.geteuid() != 0:
        log(f"missing: {', '.join(missing)} (apt-get install {' '.join(missing)}); "
            "the steps that need them are skipped")
        return
    log(f"installing {' '.join(missing)}")
    subprocess.run(["apt-get", "install", "-y", "-q"] + missing, check=False,
                   stdout=subprocess.DEVNULL)


# ---------------------------------------------------------------------------------------------
# The site


class Site:
    """One site to crawl: the synthetic web of one size, or a static corpus directory."""

    def __init__(self, size=None, corpus=None, seed=1):
        self.size = size
        self.corpus = corpus
        if corpus:
            self.name = f"corpus {corpus}"
            self.hosts = 1
            return
        self.hosts = max(1, size // PAGES_PER_HOST)
        self.domains = max(1, self.hosts * 2 // 5)  # 50 hosts -> 20 domains (the default web)
        self.seed = seed
        self.name = f"{self.hosts}x{PAGES_PER_HOST} ({self.hosts * PAGES_PER_HOST} URLs)"

    def web_flags(self):
        """The graph flags shared by inlinks-web and inlinks-gumbo-limit."""
        return ["--seed", str(self.seed), "--hosts", str(self.hosts), "--domains",
                str(self.domains), "--pages-per-host", str(PAGES_PER_HOST)]

    def server_args(self, url_port_zero):
        if self.corpus:
            return ["--no-web", "--no-hostile", "--threads", "2",
                    "--static", f"{CORPUS_HOST}={self.corpus}"]
        args = self.web_flags() + ["--no-hostile", "--threads", "2"]
        if url_port_zero:
            args += ["--url-port", "0"]
        return args

    def corpus_start_path(self):
        if os.path.exists(os.path.join(self.corpus, "index.html")):
            return "/"
        best = None
        for root, _dirs, files in os.walk(self.corpus):
            if "index.html" in files:
                rel = os.path.relpath(os.path.join(root, "index.html"), self.corpus)
                if best is None or rel.count("/") < best.count("/"):
                    best = rel
        if best is None:
            raise StepError(f"no index.html under {self.corpus}")
        return "/" + best

    def seeds(self, b, port):
        """Seed URLs; port 0 gives URLs without a port (proxy-style crawling)."""
        if self.corpus:
            origin = f"http://{CORPUS_HOST}" + (f":{port}" if port else "")
            return [origin + self.corpus_start_path()]
        p = run([b.web] + self.web_flags() + ["--url-port", str(port), "--print-seeds"])
        return p.stdout.split()


class Bins:
    def __init__(self, build):
        self.web = os.path.join(build, "bench/web/inlinks-web")
        self.limit = os.path.join(build, "bench/e2e/inlinks-gumbo-limit")
        self.daemon = os.path.join(build, "tools/inlinksd")
        self.cli = os.path.join(build, "tools/inlinks")
        missing = [p for p in (self.web, self.limit, self.daemon, self.cli)
                   if not os.access(p, os.X_OK)]
        if missing:
            raise SystemExit(
                f"inlinks-bench: missing {', '.join(missing)}; build them with\n"
                f"  cmake -S . -B {build} -G Ninja -DCMAKE_BUILD_TYPE=Release "
                f"-DINLINKS_BUILD_TESTS=OFF\n"
                f"  cmake --build {build} --target inlinksd inlinks inlinks-web "
                f"inlinks-gumbo-limit")


# ---------------------------------------------------------------------------------------------
# Steps


def step_limit(b, site, port, threads):
    """1. Bare gumbo over the same pages from memory on `threads` threads."""
    cmd = [b.limit, "--threads", str(threads)]
    if site.corpus:
        cmd += ["--dir", site.corpus]
    else:
        cmd += site.web_flags() + ["--url-port", str(port), "--max-pages", str(LIMIT_MAX_PAGES)]
    log("limit: " + " ".join(cmd))
    load = loadavg()
    out = json.loads(run(cmd).stdout)
    out["cmd"] = " ".join(cmd)
    out["load_before"] = load
    return out


def best_limit(limits):
    best = dict(max(limits, key=lambda x: x["pages_per_s"]))
    best["runs_pages_per_s"] = [x["pages_per_s"] for x in limits]
    return best


SUMMARY_RE = re.compile(
    r"inlinksd: (\d+) pages indexed, (\d+) links, (\d+) fetches, ([\d.]+) MB in ([\d.]+) s")
PHASES_RE = re.compile(r"time in fetch ([\d.]+) s, parse ([\d.]+) s, index ([\d.]+) s")


def step_inlinks(b, site, workdir, args):
    """2. inlinksd crawl --once under /usr/bin/time -v."""
    server = Server(b.web, site.server_args(url_port_zero=False), workdir, "web-inlinks")
    result = {"server_port": server.port}
    try:
        seeds = site.seeds(b, server.port)
        seed_file = os.path.join(workdir, "seeds.txt")
        with open(seed_file, "w") as f:
            f.write("\n".join(seeds) + "\n")
        db = os.path.join(workdir, "db")
        shutil.rmtree(db, ignore_errors=True)
        cmd = [b.daemon, "crawl", "--db", db, "--seeds", seed_file, "--once", "--delay-ms", "0",
               "--per-ip", "0", "--resolve", "*:127.0.0.1", "--allow-net", "127.0.0.0/8",
               "--progress", "no"] + args.daemon_arg
        if site.corpus:
            # A real corpus links to the whole web; only the served host answers here.
            cmd += ["--scope", "hosts"]
        timed = (["/usr/bin/time", "-v"] if os.access("/usr/bin/time", os.X_OK) else []) + cmd
        log("inlinks: " + " ".join(cmd))
        result["cmd"] = " ".join(cmd)
        result["load_before"] = loadavg()
        errpath = os.path.join(workdir, "inlinksd-crawl.stderr")
        t0 = time.monotonic()
        with open(errpath, "w") as err:
            proc = subprocess.Popen(timed, stdout=subprocess.DEVNULL, stderr=err)
            # The 1-minute load average, sampled every 10 s: other work on the machine.
            result["stalled"], result["load_during"] = watch_crawl(proc, errpath, args)
        p = proc
        wall = time.monotonic() - t0
        with open(errpath) as f:
            text = f.read()
        result["exit"] = p.returncode
        result["wall_s"] = round(wall, 2)
        result.update({k: v for k, v in parse_time_v(text).items() if k != "wall_s"})
        m = SUMMARY_RE.search(text)
        if not m:
            raise StepError(f"inlinksd printed no summary line (exit {p.returncode}); "
                            f"see {errpath}: {text.strip()[-600:]}")
        summary = text[m.start():].splitlines()[0]
        result["summary"] = summary
        pages, links, fetches = int(m.group(1)), int(m.group(2)), int(m.group(3))
        mb, secs = float(m.group(4)), float(m.group(5))
        result.update(pages=pages, links=links, fetches=fetches, mb=mb, daemon_s=secs)
        # Rates over the daemon's own crawl time (Run()), and over the whole process (open,
        # flush and close included).
        result["pages_per_s"] = round(pages / secs, 1) if secs else None
        result["links_per_s"] = round(links / secs, 1) if secs else None
        result["mb_per_s"] = round(mb / secs, 2) if secs else None
        result["pages_per_s_process"] = round(pages / wall, 1)
        if result.get("cpu_s"):
            result["cpu_ms_per_page"] = round(1000 * result["cpu_s"] / max(pages, 1), 3)
        ph = PHASES_RE.search(summary)
        if ph:
            f_, p_, i_ = (float(x) for x in ph.groups())
            total = f_ + p_ + i_
            result["phase_s"] = {"fetch": f_, "parse": p_, "index": i_}
            if total > 0:
                result["phase_share"] = {k: round(v / total, 3)
                                         for k, v in result["phase_s"].items()}
            # Phase seconds per crawl second: for fetch and parse the average number of
            # coroutines in the phase; for index the share of the time the daemon's one
            # store thread was writing (near 1.0: the indexer is the bottleneck).
            if secs:
                result["phase_busy"] = {k: round(v / secs, 2)
                                        for k, v in result["phase_s"].items()}
            result["phase_note"] = ("wall time by phase from the daemon's own counters, not "
                                    "CPU time: fetch and parse summed over coroutines, index "
                                    "the store thread's; 'busy' = phase seconds / crawl "
                                    "seconds")
        else:
            result["phase_note"] = "the daemon's summary line has no fetch/parse/index split"
        em = re.search(r"errors:(.*)$", summary)
        result["errors"] = em.group(1).strip() if em else None
        result["db_mb"] = round(du(db) / 1e6, 1)
        if result["stalled"]:
            result["stall_note"] = (
                f"stopped by the harness: no new page for {args.stall_seconds} s (queue and "
                f"errors in the summary line); rates include the stalled time")
        if p.returncode != 0:
            raise StepError(f"inlinksd crawl exited {p.returncode}; see {errpath}")
        result["db"] = db
    finally:
        result["server"] = server.stop()
    return result


PROGRESS_RE = re.compile(r"\] (\d+) pages \(")


def watch_crawl(proc, errpath, args):
    """Waits for the crawl; SIGTERM (the daemon then flushes and prints its summary) when its
    progress line shows no new page for --stall-seconds, or after --crawl-timeout. Returns
    whether it was stopped."""
    start = last_change = time.monotonic()
    last_pages = None
    stopped = False
    loads = []
    while proc.poll() is None:
        time.sleep(1)
        now = time.monotonic()
        if not loads or int(now - start) % 10 == 0:
            loads.append(loadavg())
        try:
            with open(errpath) as f:
                found = PROGRESS_RE.findall(f.read())
        except OSError:
            found = []
        if found and found[-1] != last_pages:
            last_pages, last_change = found[-1], now
        stall = now - last_change > args.stall_seconds
        if not stopped and (stall or now - start > args.crawl_timeout):
            log(f"  inlinksd made no progress for {args.stall_seconds} s"
                if stall else f"  inlinksd ran past --crawl-timeout {args.crawl_timeout} s")
            log("  stopping it with SIGTERM (it flushes and prints its summary)")
            # /usr/bin/time forwards nothing: signal its child, the daemon.
            for child in children(proc.pid) or [proc.pid]:
                os.kill(child, signal.SIGTERM)
            stopped = True
            try:
                proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                proc.kill()
    loads = [x for x in loads if x is not None]
    return stopped, (round(sum(loads) / len(loads), 2) if loads else None)


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def du(path):
    total = 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total


def step_wget2(b, site, workdir, args):
    """3. wget2 on the same site, the server as its HTTP proxy, nothing kept on disk."""
    if not shutil.which("wget2"):
        return {"skipped": "wget2 is not installed (apt-get install wget2)"}
    server = Server(b.web, site.server_args(url_port_zero=True), workdir, "web-wget2")
    result = {}
    try:
        seeds = site.seeds(b, 0)
        seed_file = os.path.join(workdir, "seeds-proxy.txt")
        with open(seed_file, "w") as f:
            f.write("\n".join(seeds) + "\n")
        # Downloads go to a RAM directory removed afterwards (--delete-after removes each file
        # once parsed anyway).
        scratch = tempfile.mkdtemp(prefix="inlinks-bench-wget2-",
                                   dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
        stats = os.path.join(workdir, "wget2-site.csv")
        # The synthetic web spans many hosts, all under .test. A real corpus links to the
        # whole web: stay on its host (wget2 would resolve, and try to reach, the others:
        # https URLs do not go through --http-proxy).
        span = [] if site.corpus else ["--span-hosts", "-D", "test"]
        cmd = ["wget2", "-r", "-l", "inf"] + span + [
               f"--max-threads={args.wget_threads}", "--robots=on", "--delete-after",
               "--no-verbose", "--progress=none", "--filter-urls",
               "-R", "*.jpg,*.jpeg,*.png,*.gif,*.svg,*.ico,*.css,*.js,*.pdf",
               f"--http-proxy=127.0.0.1:{server.port}", "--no-config",
               "--no-hsts", "--no-hpkp", "--no-tcp-fastopen",
               "-P", scratch, f"--stats-site=csv:{stats}", "-i", seed_file]
        env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        log("wget2: " + " ".join(cmd))
        result["cmd"] = " ".join(cmd)
        result["load_before"] = loadavg()
        timed = (["/usr/bin/time", "-v"] if os.access("/usr/bin/time", os.X_OK) else []) + cmd
        t0 = time.monotonic()
        p = subprocess.run(timed, capture_output=True, text=True, env=env,
                           timeout=args.crawl_timeout)
        wall = time.monotonic() - t0
        shutil.rmtree(scratch, ignore_errors=True)
        result["exit"] = p.returncode  # 8 = some 404s, expected
        result["wall_s"] = round(wall, 2)
        result.update({k: v for k, v in parse_time_v(p.stderr).items() if k != "wall_s"})
        by_status = collections.Counter()
        pages = 0
        page_bytes = 0
        unique = set()
        if os.path.exists(stats):
            with open(stats) as f:
                for row in f:
                    cols = row.rstrip("\n").split(",")
                    if len(cols) < 8 or cols[0] == "ID":
                        continue
                    by_status[cols[3]] += 1
                    if cols[3] == "200" and not cols[2].endswith("/robots.txt"):
                        pages += 1
                        url = cols[2].split("#", 1)[0]
                        scheme, _, rest = url.partition("://")
                        host, _, path = rest.partition("/")
                        unique.add(f"{scheme}://{host.lower()}/{path}")
                        page_bytes += int(cols[7] or 0)
            os.remove(stats)
        result["responses"] = dict(by_status)
        # wget2 keeps host case ("http://BLOG.D0.TEST/x" and "http://blog.d0.test/x" are two
        # fetches) and fragments apart: count distinct pages too.
        result["unique_pages"] = len(unique)
        result["pages"] = pages
        result["mb"] = round(page_bytes / 1e6, 1)
        result["pages_per_s"] = round(pages / wall, 1)
        result["mb_per_s"] = round(page_bytes / 1e6 / wall, 2)
        if result.get("cpu_s"):
            result["cpu_ms_per_page"] = round(1000 * result["cpu_s"] / max(pages, 1), 3)
    finally:
        result["server"] = server.stop()
    return result


def step_scrapy():
    try:
        import scrapy  # noqa: F401  (Debian python3-scrapy)
    except ImportError:
        return {"skipped": "python3-scrapy is not installed (the harness does not install it)"}
    return {"skipped": "python3-scrapy is installed but the Scrapy spider is not written yet"}


def backlinks(b, db, target, limit, scope="auto"):
    p = run([b.cli, "backlinks", target, "--db", db, "--format", "json", "--limit", str(limit),
             "--scope", scope])
    return json.loads(p.stdout)


def truth_kind(target):
    """The scope kind inlinks-web's ParseScope gives a target (testweb/web.h)."""
    if "/" in target:
        return "url"
    host = target.lower().rsplit(":", 1)[0]
    return "domain" if re.fullmatch(r"(www\.)?d\d+\.test", host) else "host"


def step_queries(b, site, db, workdir, args):
    """4. inlinksd serve + wrk on the domain dialect: first and deep page, JSON and XML."""
    if not shutil.which("wrk"):
        return {"skipped": "wrk is not installed (apt-get install wrk)"}
    helptext = run([b.daemon, "--help"], check=False)
    if "serve" not in (helptext.stdout + helptext.stderr):
        return {"skipped": "this inlinksd has no `serve` command yet"}
    domain = CORPUS_HOST if site.corpus else "d0.test"
    total = backlinks(b, db, domain, 0)["total"]
    if total == 0:
        return {"skipped": f"no backlinks of {domain} in the index"}
    errpath = os.path.join(workdir, "inlinksd-serve.stderr")
    err = open(errpath, "w")
    cmd = [b.daemon, "serve", "--db", db, "--listen", "127.0.0.1:0"]
    log("queries: " + " ".join(cmd))
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
    result = {"cmd": " ".join(cmd), "domain": domain, "total": total}
    try:
        port = key = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            with open(errpath) as f:
                m = re.search(r"serving the API on http://[^/]*:(\d+)/ \(API key in ([^)]+)\)",
                              f.read())
            if m:
                with open(m.group(2)) as keyfile:
                    port, key = int(m.group(1)), keyfile.readline().strip()
                break
            time.sleep(0.2)
        if port is None:
            with open(errpath) as f:
                tail = f.read().strip()[-400:]
            return dict(result, skipped=f"`inlinksd serve` did not start: {tail}")
        limit = 10
        deep_skip = (total - 1) // limit
        result["deep_skip"] = deep_skip
        result["runs"] = []
        for page_name, skip in (("first", 0), ("deep", deep_skip)):
            for fmt in ("json", "xml"):
                url = (f"http://127.0.0.1:{port}/api/links/getBacklinks/{key}/{domain}/"
                       f"{fmt}/{limit}/{skip}")
                shown = url.replace(key, "KEY")
                body = urllib.request.urlopen(url, timeout=30).read().decode()
                check = check_api_body(body, fmt, total, skip, limit)
                wrk = [shutil.which("wrk"), f"-t{args.wrk_threads}", f"-c{args.wrk_connections}",
                       f"-d{args.wrk_seconds}s", "--latency", url]
                p = run(wrk, timeout=args.wrk_seconds + 60)
                r = parse_wrk(p.stdout)
                r.update(page=page_name, format=fmt, skip=skip, url=shown, answer=check)
                log(f"  {page_name} {fmt}: {r.get('req_per_s')} req/s, p50 {r.get('p50_ms')} ms,"
                    f" p99 {r.get('p99_ms')} ms ({check})")
                result["runs"].append(r)
        result["wrk"] = (f"wrk -t{args.wrk_threads} -c{args.wrk_connections} "
                         f"-d{args.wrk_seconds}s --latency URL")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        err.close()
        try:
            os.remove(errpath)  # the access log: one line per request
        except OSError:
            pass
    return result


def check_api_body(body, fmt, total, skip, limit):
    """'ok' when the answer has code 0, the right resultCount and the right row count."""
    want_rows = max(0, min(limit, total - skip * limit))
    if fmt == "json":
        try:
            doc = json.loads(body)
        except ValueError as e:
            return f"bad JSON: {e}"
        if doc.get("apiErrorCode") != 0:
            return f"apiErrorCode {doc.get('apiErrorCode')} {doc.get('apiErrorMessage')}"
        if doc.get("resultCount") != total:
            return f"resultCount {doc.get('resultCount')} != {total}"
        if len(doc.get("apiResult", [])) != want_rows:
            return f"{len(doc.get('apiResult', []))} rows != {want_rows}"
        return "ok"
    if "<apiErrorCode>0</apiErrorCode>" not in body:
        return "XML without apiErrorCode 0"
    if f"<resultCount>{total}</resultCount>" not in body:
        return "XML resultCount differs"
    if body.count("<backlink>") != want_rows:
        return f"{body.count('<backlink>')} XML rows != {want_rows}"
    return "ok"


def to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(text):
    out = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if m:
        out["req_per_s"] = round(float(m.group(1)), 1)
    for pct in ("50", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M)
        if m:
            out[f"p{pct}_ms"] = round(to_ms(m.group(1), m.group(2)), 3)
    m = re.search(r"(\d+) requests in", text)
    if m:
        out["requests"] = int(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    out["non_2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", text)
    if m:
        out["socket_errors"] = m.group(1).strip()
    return out


def sample_targets(b, site, port, n, rng):
    """~n targets: domains (biggest, middle, tail; one as www.), hosts, home pages, pages."""
    seeds = run([b.web] + site.web_flags() + ["--url-port", str(port),
                                              "--print-seeds"]).stdout.split()
    pages = run([b.web] + site.web_flags() + ["--url-port", str(port),
                                              "--print-pages"]).stdout.split()
    hosts = [re.match(r"http://([^:/]+)", s).group(1) for s in seeds]
    d = site.domains
    targets = [f"d0.test", f"www.d{min(1, d - 1)}.test", f"d{d // 2}.test", f"d{d - 1}.test"]
    subhosts = [h for h in hosts if not h.startswith("www.") and h.count(".") >= 2]
    targets += rng.sample(subhosts, min(4, len(subhosts)))
    # URLs: given without the scheme (as users type them), and with it.
    homes = rng.sample(seeds, min(3, len(seeds)))
    targets += [h.split("://", 1)[1] for h in homes[:2]] + homes[2:]
    targets = list(dict.fromkeys(targets))  # small webs repeat a domain
    rest = max(0, n - len(targets))
    targets += rng.sample([p for p in pages if p not in targets], min(rest, len(pages)))
    return targets


def truth(b, site, port, target):
    p = run([b.web] + site.web_flags() + ["--url-port", str(port), "--backlinks", target],
            timeout=1200)
    rows = []
    for line in p.stdout.splitlines():
        cols = line.split("\t")
        if len(cols) >= 6:
            rows.append({"source": cols[0], "target": cols[1], "anchor": cols[2],
                         "position": int(cols[3]), "tag": cols[4], "nofollow": cols[5] == "1"})
    return rows


def row_key(row):
    """(source, target, position) of an `inlinks backlinks --format json` row."""
    def pick(*names):
        for n in names:
            if n in row:
                return row[n]
        return None
    return (pick("source_url", "source", "linkingUrl", "backlinkpage"),
            pick("target_url", "target", "linkedUrl", "linktarget"),
            pick("position", "pos", "linkpos"))


def step_verify(b, site, port, db, args):
    """5. Totals (and rows when small) against the ground truth."""
    if site.corpus:
        return {"skipped": "a static corpus has no ground truth"}
    rng = random.Random(args.sample_seed)
    targets = sample_targets(b, site, port, args.samples, rng)
    checks = []
    mismatches = 0
    t0 = time.monotonic()
    divergent = []
    # Each `inlinks-web --backlinks` recomputes the crawl model (~10 s at 200,000 URLs): run
    # them on every core while the index is queried.
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        truths = list(pool.map(lambda t: truth(b, site, port, t), targets))
    for target, want in zip(targets, truths):
        kind = truth_kind(target)
        # The scope is given explicitly so the index is checked, not the parsing convention;
        # how `--scope auto` reads the same text is recorded beside it.
        got = backlinks(b, db, target, 0, kind)
        auto = backlinks(b, db, target, 0).get("scope", {}).get("kind")
        c = {"target": target, "scope": kind, "auto_scope": auto,
             "truth": len(want), "inlinks": got["total"]}
        if auto != kind:
            divergent.append(target)
        ok = c["truth"] == c["inlinks"]
        if ok and 0 < len(want) <= args.row_check_max:
            rows = backlinks(b, db, target, len(want) + 1, kind)["rows"]
            got_keys = collections.Counter(row_key(r) for r in rows)
            want_keys = collections.Counter((w["source"], w["target"], w["position"])
                                            for w in want)
            if got_keys != want_keys:
                ok = False
                missing = list((want_keys - got_keys).elements())[:3]
                extra = list((got_keys - want_keys).elements())[:3]
                c["rows_missing"] = missing
                c["rows_extra"] = extra
            c["rows_compared"] = len(want)
        c["ok"] = ok
        if not ok:
            mismatches += 1
            log(f"  MISMATCH {target}: truth {c['truth']}, inlinks {c['inlinks']}"
                + (f", rows missing {c.get('rows_missing')} extra {c.get('rows_extra')}"
                   if "rows_missing" in c else ""))
        checks.append(c)
    log(f"  verified {len(checks)} targets, {mismatches} mismatches "
        f"({time.monotonic() - t0:.0f} s)")
    out = {"targets": len(checks), "mismatches": mismatches,
           "rows_compared": sum(c.get("rows_compared", 0) for c in checks), "checks": checks}
    if divergent:
        out["scope_note"] = (
            f"`inlinks backlinks TARGET` (--scope auto) reads {len(divergent)} sampled targets "
            f"as another scope kind than `inlinks-web --backlinks` does, e.g. {divergent[0]} "
            f"(a home page URL: path '/' auto-scopes to its domain or host in query/, to the "
            f"URL in testweb); compared with an explicit --scope")
        log("  note: " + out["scope_note"])
    return out


# ---------------------------------------------------------------------------------------------
# Report


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "memory": mem, "kernel": platform.release(),
            "python": platform.python_version()}


def ratio(a, b):
    return round(a / b, 3) if a and b else None


def fmt(v, digits=0):
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def table(report):
    runs = report["runs"]
    cols = [r["site"] for r in runs]
    lines = []

    def row(label, values):
        lines.append(f"| {label} | " + " | ".join(values) + " |")

    lines.append("| | " + " | ".join(cols) + " |")
    lines.append("|---|" + "---:|" * len(cols))
    get = lambda r, *path: _dig(r, path)  # noqa: E731
    row("pages stored by inlinks (every fetch) / of them 200 HTML", [
        f"{fmt(get(r, 'inlinks', 'pages'))} / {fmt(get(r, 'inlinks', 'html_pages'))}"
        for r in runs])
    row("links indexed", [fmt(get(r, "inlinks", "links")) for r in runs])
    row("**limit**: bare gumbo, all cores, pages/s",
        [fmt(get(r, "limit", "pages_per_s")) + f" ({fmt(get(r, 'limit', 'mb_per_s'), 1)} MB/s)"
         for r in runs])
    row("**inlinks** crawl+extract+index, 200 pages/s (all fetches/s)", [
        f"{fmt(get(r, 'inlinks', 'html_pages_per_s'))} ({fmt(get(r, 'inlinks', 'pages_per_s'))})"
        for r in runs])
    row("inlinks links/s", [fmt(get(r, "inlinks", "links_per_s")) for r in runs])
    row("inlinks MB/s (HTML received)", [fmt(get(r, "inlinks", "mb_per_s"), 1) for r in runs])
    row("inlinks wall s (process) / crawl s", [
        f"{fmt(get(r, 'inlinks', 'wall_s'), 1)} / {fmt(get(r, 'inlinks', 'daemon_s'), 1)}"
        for r in runs])
    row("inlinks CPU s (user+sys), ms/page", [
        f"{fmt(get(r, 'inlinks', 'cpu_s'), 1)}, {fmt(get(r, 'inlinks', 'cpu_ms_per_page'), 2)}"
        for r in runs])
    row("inlinks peak RSS MB", [fmt(get(r, "inlinks", "peak_rss_mb")) for r in runs])
    row("inlinks index on disk MB", [fmt(get(r, "inlinks", "db_mb")) for r in runs])
    row("inlinks fetch / parse / index share", [
        "/".join(f"{100 * v:.0f}%" for v in get(r, "inlinks", "phase_share").values())
        if get(r, "inlinks", "phase_share") else "-" for r in runs])
    row("inlinks parse / index busy (phase s ÷ crawl s)", [
        f"{get(r, 'inlinks', 'phase_busy', 'parse')} / {get(r, 'inlinks', 'phase_busy', 'index')}"
        if get(r, "inlinks", "phase_busy") else "-" for r in runs])
    row("inlinks fetch errors", [fmt(get(r, "inlinks", "errors")) for r in runs])
    row("**wget2** pages/s (pages fetched, distinct)", [
        (f"{fmt(get(r, 'wget2', 'pages_per_s'))} ({fmt(get(r, 'wget2', 'pages'))}, "
         f"{fmt(get(r, 'wget2', 'unique_pages'))})"
         if get(r, "wget2", "pages_per_s") else _skip(get(r, "wget2"))) for r in runs])
    row("wget2 distinct pages ÷ the crawl's 200 pages", [
        fmt(get(r, "wget2", "coverage"), 3) for r in runs])
    row("wget2 CPU s, ms/page", [
        f"{fmt(get(r, 'wget2', 'cpu_s'), 1)}, {fmt(get(r, 'wget2', 'cpu_ms_per_page'), 2)}"
        if get(r, "wget2", "cpu_s") else "-" for r in runs])
    row("**inlinks ÷ limit**", [fmt(get(r, "ratios", "inlinks_over_limit"), 2) for r in runs])
    row("**inlinks ÷ wget2**", [fmt(get(r, "ratios", "inlinks_over_wget2"), 2) for r in runs])
    row("inlinks time per page, ms", [fmt(get(r, "ratios", "ms_per_page"), 3) for r in runs])
    for page in ("first", "deep"):
        for f in ("json", "xml"):
            vals = []
            for r in runs:
                q = get(r, "queries")
                hit = [x for x in (q or {}).get("runs", []) if x["page"] == page
                       and x["format"] == f]
                if hit:
                    x = hit[0]
                    vals.append(f"{fmt(x.get('req_per_s'))} req/s, p50 {x.get('p50_ms')} ms, "
                                f"p99 {x.get('p99_ms')} ms")
                else:
                    vals.append(_skip(q))
            row(f"query {page} page {f.upper()}", vals)
    row("answers verified (targets, mismatches)", [
        (f"{get(r, 'verify', 'targets')} targets, {get(r, 'verify', 'mismatches')} mismatches"
         if get(r, "verify", "targets") is not None else _skip(get(r, "verify")))
        for r in runs])
    row("load average before / during the crawl (2 = both cores busy)", [
        f"{fmt(get(r, 'inlinks', 'load_before'), 2)} / {fmt(get(r, 'inlinks', 'load_during'), 2)}"
        for r in runs])
    return "\n".join(lines)


def _dig(d, path):
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


def _skip(step):
    if isinstance(step, dict) and "skipped" in step:
        return "skipped"
    if isinstance(step, dict) and "error" in step:
        return "failed"
    return "-"


# ---------------------------------------------------------------------------------------------


def run_site(b, site, args, workroot):
    workdir = tempfile.mkdtemp(prefix="run-", dir=workroot)
    log(f"=== site {site.name}")
    out = {"site": site.name, "hosts": site.hosts}
    if not site.corpus:
        out.update(domains=site.domains, pages_per_host=PAGES_PER_HOST,
                   web_flags=" ".join(site.web_flags()))
    failures = []
    db = None
    port = None

    def attempt(name, fn):
        try:
            out[name] = fn()
        except (StepError, subprocess.TimeoutExpired, OSError, ValueError, KeyError) as e:
            log(f"  {name} failed: {e}")
            out[name] = {"error": str(e)}
            failures.append(f"{site.name}: {name}: {e}")

    attempt("inlinks", lambda: step_inlinks(b, site, workdir, args))
    inl = out.get("inlinks", {})
    port = inl.get("server_port")
    db = inl.get("db")
    if "pages" in inl:
        log(f"  inlinks: {inl['pages']} pages, {inl['links']} links in {inl['daemon_s']} s: "
            f"{inl['pages_per_s']} pages/s, CPU {inl.get('cpu_s')} s, RSS "
            f"{inl.get('peak_rss_mb')} MB")
    # The limit renders the pages with the same port in their URLs as the crawled site. It
    # runs twice, after the crawl and after the other steps, and the faster run counts: the
    # machine may be shared, and a limit is the best the hardware does.
    limits = []

    def limit_run():
        limits.append(step_limit(b, site, port or 0, args.threads))
        return best_limit(limits)

    attempt("limit", limit_run)
    if "wget2" not in args.skip:
        attempt("wget2", lambda: step_wget2(b, site, workdir, args))
        w = out.get("wget2", {})
        if "pages" in w:
            log(f"  wget2: {w['pages']} pages in {w['wall_s']} s: {w['pages_per_s']} pages/s")
    out["scrapy"] = step_scrapy()
    if db and os.path.isdir(db):
        if "queries" not in args.skip:
            attempt("queries", lambda: step_queries(b, site, db, workdir, args))
        if "verify" not in args.skip:
            attempt("verify", lambda: step_verify(b, site, port, db, args))
            v = out.get("verify", {})
            if v.get("mismatches"):
                failures.append(f"{site.name}: {v['mismatches']} of {v['targets']} sampled "
                                "targets disagree with the ground truth")
    if limits:
        attempt("limit", limit_run)
    inl = out.get("inlinks", {})
    html = _dig(out, ["limit", "site_pages"]) if not site.corpus else None
    if html and inl.get("daemon_s"):
        # The daemon counts every stored fetch as a page (301s and 404s too); the limit and
        # wget2 count 200 HTML pages. The ratios use the 200 pages the ground truth says the
        # crawl fetches (verified above through the backlink totals).
        inl["html_pages"] = html
        inl["html_pages_per_s"] = round(html / inl["daemon_s"], 1)
        if _dig(out, ["wget2", "unique_pages"]) is not None:
            out["wget2"]["coverage"] = round(out["wget2"]["unique_pages"] / html, 3)
    if site.corpus and "pages" in inl:
        inl["rate_note"] = (
            "no ground truth for a corpus: inlinks rates count every fetch (404s and "
            "redirects too) while the limit and wget2 count 200 HTML pages, which flatters "
            "inlinks" + (f"; wget2 saw {out['wget2']['pages']} pages answer 200 and "
                         f"{out['wget2'].get('responses', {}).get('404', 0)} answer 404"
                         if _dig(out, ["wget2", "pages"]) else ""))
    lim = _dig(out, ["limit", "pages_per_s"])
    ips = inl.get("html_pages_per_s") or inl.get("pages_per_s")
    wps = _dig(out, ["wget2", "pages_per_s"])
    out["ratios"] = {"inlinks_over_limit": ratio(ips, lim), "inlinks_over_wget2": ratio(ips, wps),
                     "ms_per_page": round(1000 / ips, 4) if ips else None}
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
        if isinstance(out.get("inlinks"), dict):
            out["inlinks"].pop("db", None)
    else:
        log(f"  kept {workdir}")
    return out, failures


def main():
    ap = argparse.ArgumentParser(
        prog="inlinks-bench", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build-release", help="build directory (Release)")
    ap.add_argument("--sizes", default="10000,200000",
                    help="site sizes in URLs, comma-separated (hosts = size / 200)")
    ap.add_argument("--corpus", metavar="DIR",
                    help="crawl this static directory (served as host corpus.test) instead of "
                         "the synthetic web; no ground truth")
    ap.add_argument("--out", default="bench-e2e.json", help="JSON report (default %(default)s)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="threads of the gumbo limit (default: cores)")
    ap.add_argument("--wget-threads", type=int, default=16, help="wget2 --max-threads")
    ap.add_argument("--wrk-seconds", type=int, default=5)
    ap.add_argument("--wrk-threads", type=int, default=2)
    ap.add_argument("--wrk-connections", type=int, default=16)
    ap.add_argument("--samples", type=int, default=20, help="targets verified per size")
    ap.add_argument("--sample-seed", type=int, default=6)
    ap.add_argument("--row-check-max", type=int, default=500,
                    help="compare rows (not only totals) of scopes up to this many links")
    ap.add_argument("--crawl-timeout", type=int, default=3600, help="seconds per crawl")
    ap.add_argument("--stall-seconds", type=int, default=60,
                    help="stop a crawl that indexes no new page for this long (default 60)")
    ap.add_argument("--daemon-arg", action="append", default=[],
                    help="extra argument for `inlinksd crawl` (repeatable), e.g. "
                         "--daemon-arg=--concurrency=128")
    ap.add_argument("--skip", default="", help="comma-separated: wget2,queries,verify")
    ap.add_argument("--workdir", help="where the index and logs go (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the index and logs")
    ap.add_argument("--no-install", action="store_true", help="never run apt-get")
    args = ap.parse_args()
    args.skip = set(s for s in args.skip.split(",") if s)

    b = Bins(args.build)
    ensure_tools(args)
    if args.corpus:
        if not os.path.isdir(args.corpus):
            ap.error(f"--corpus {args.corpus}: not a directory")
        sites = [Site(corpus=os.path.abspath(args.corpus))]
    else:
        try:
            sizes = [int(s) for s in args.sizes.split(",") if s]
        except ValueError:
            ap.error("--sizes takes comma-separated integers")
        if not sizes or any(s < PAGES_PER_HOST for s in sizes):
            ap.error(f"--sizes: at least {PAGES_PER_HOST} URLs each")
        sites = [Site(size=s) for s in sizes]

    workroot = args.workdir or tempfile.mkdtemp(prefix="inlinks-bench-")
    os.makedirs(workroot, exist_ok=True)
    started = datetime.datetime.now().astimezone()
    report = {"tool": "inlinks-bench", "date": started.isoformat(timespec="seconds"),
              "command": " ".join([os.path.relpath(sys.argv[0])] + sys.argv[1:]),
              "machine": machine(), "build": os.path.abspath(args.build), "runs": []}
    failures = []
    try:
        for site in sites:
            out, fails = run_site(b, site, args, workroot)
            report["runs"].append(out)
            failures += fails
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workroot, ignore_errors=True)

    runs = report["runs"]
    if len(runs) >= 2:
        a, z = runs[0]["ratios"]["ms_per_page"], runs[-1]["ratios"]["ms_per_page"]
        if a and z:
            growth = z / a - 1
            report["growth"] = {
                "from": runs[0]["site"], "to": runs[-1]["site"],
                "ms_per_page": [a, z], "time_per_page_growth": round(growth, 3),
                "target": "at most +20%", "met": growth <= 0.2}
    report["failures"] = failures
    report["seconds"] = round((datetime.datetime.now().astimezone() - started).total_seconds())
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)

    m = report["machine"]
    print(f"\ninlinks-bench {report['date']} on {m['nproc']} cores ({m['cpu']}), {m['memory']}")
    print(f"command: {report['command']}\n")
    print(table(report))
    if "growth" in report:
        g = report["growth"]
        print(f"\ntime per page {g['ms_per_page'][0]:.3f} ms -> {g['ms_per_page'][1]:.3f} ms: "
              f"{100 * g['time_per_page_growth']:+.1f}% ({'met' if g['met'] else 'NOT met'}: "
              f"target {g['target']})")
    for run_ in runs:
        for key in ("scrapy", "wget2", "queries", "verify"):
            step = run_.get(key)
            if isinstance(step, dict) and "skipped" in step:
                print(f"note: {run_['site']}: {key} skipped: {step['skipped']}")
        if _dig(run_, ["verify", "scope_note"]):
            print(f"note: {run_['site']}: {run_['verify']['scope_note']}")
        if _dig(run_, ["inlinks", "rate_note"]):
            print(f"note: {run_['site']}: {run_['inlinks']['rate_note']}")
        if _dig(run_, ["inlinks", "stall_note"]):
            print(f"note: {run_['site']}: {run_['inlinks']['stall_note']}")
        note = _dig(run_, ["inlinks", "phase_note"])
        if note:
            print(f"note: {run_['site']}: fetch/parse/index: {note}")
    print(f"\nreport: {args.out} ({report['seconds']} s)")
    if failures:
        print("\nFAILED:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
