#!/usr/bin/env python3
"""End-to-end check of the dashboard and the alert rules against a real Prometheus.

Usage: prometheus_e2e.py --exporter target/debug/aws-backup-exporter [options]

Starts the exporter with --demo (the built-in AWS Backup simulator) and a Prometheus that
scrapes it every second and loads the alert rules, both on free ports of 127.0.0.1. Once the
exporter is ready and has been scraped a few times (and, for at most --settle seconds, until
every dashboard query has data: counters only count jobs that end after start-up), it checks:
  * every rule group of the rule file is loaded and healthy (no lastError);
  * every rule expression parses (an instant query succeeds);
  * every dashboard query, with the dashboard variables set to `.*`, parses and returns data;
  * every query variable of the dashboard has values.
Prints one line per check and `N passed, N failed`; exits 1 on any failure. Both processes are
always stopped and the temporary directory removed (also on Ctrl-C). Every wait is bounded and
all traffic stays on 127.0.0.1. Python 3.11 standard library only.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
SCRAPE_JOB = "aws-backup-exporter"

# Values for Grafana's global variables; dashboard variables become `.*` (their All value).
GLOBAL_VARIABLES = {
    "__rate_interval": "1m",
    "__rate_interval_ms": "60000",
    "__interval": "15s",
    "__interval_ms": "15000",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
}
VAR_REF = re.compile(r"\$\{(\w+)(?:[:.][^}]*)?\}|\[\[(\w+)(?::\w+)?\]\]|\$(\w+)")
LABEL_VALUES = re.compile(r"^\s*label_values\(\s*(?:(.*)\s*,\s*)?(\w+)\s*\)\s*$", re.S)

# Never route loopback traffic through a proxy from the environment.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def record(self, ok: bool, what: str, why: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"ok   {what}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {what}{': ' + why if why else ''}", flush=True)
        return ok


def info(msg: str) -> None:
    print(f"info {msg}", flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def http_get(url: str, timeout: float = 10.0) -> tuple[int, bytes]:
    assert urllib.parse.urlsplit(url).hostname == HOST, url
    try:
        with OPENER.open(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, OSError):
        return 0, b""


def _die_with_parent() -> None:
    """In the child: get SIGKILL if this script dies without cleaning up (Linux only)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except Exception:  # noqa: BLE001 - best effort
        pass


class Process:
    def __init__(self, name: str, argv: list[str], log_dir: Path) -> None:
        self.name = name
        self.argv = argv
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "wb")
        info(f"starting {name}: {' '.join(argv)}")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                     cwd=log_dir, preexec_fn=_die_with_parent if sys.platform == "linux" else None)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(f"    {self.name}| {line}" for line in text[-lines:])


def wait_for(what: str, predicate, timeout: float, procs: list[Process], interval: float = 0.5):
    """Polls predicate() until it returns a truthy value; None on timeout or if a process died."""
    deadline = time.monotonic() + timeout
    while True:
        for p in procs:
            if not p.alive():
                info(f"{p.name} exited with status {p.proc.returncode} while waiting for {what}")
                return None
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            info(f"timed out after {timeout:.0f}s waiting for {what}")
            return None
        time.sleep(interval)


class Prometheus:
    def __init__(self, port: int) -> None:
        self.base = f"http://{HOST}:{port}"

    def api(self, path: str, **params) -> dict | None:
        url = f"{self.base}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        status, body = http_get(url)
        if not body:
            return None
        try:
            return json.loads(body)
        except json.JSONDecodeError:
            return {"status": "error", "error": f"HTTP {status}: {body[:200]!r}"}

    def query(self, expr: str) -> dict | None:
        return self.api("/api/v1/query", query=expr)

    def scalar(self, expr: str) -> float | None:
        r = self.query(expr)
        try:
            return float(r["data"]["result"][0]["value"][1])
        except (TypeError, KeyError, IndexError, ValueError):
            return None


def substitute(expr: str, dashboard_vars: set[str]) -> str:
    def repl(m: re.Match) -> str:
        name = next(g for g in m.groups() if g)
        if name in GLOBAL_VARIABLES:
            return GLOBAL_VARIABLES[name]
        if name in dashboard_vars:
            return ".*"
        return m.group(0)

    return VAR_REF.sub(repl, expr)


def dashboard_queries(dash: dict) -> list[tuple[str, str]]:
    out = []

    def walk(panels: list[dict]) -> None:
        for p in panels:
            for t in p.get("targets") or []:
                expr = t.get("expr")
                if expr:
                    out.append((f"panel {p.get('id')} {p.get('title', '')!r} {t.get('refId', '')}", expr))
            walk(p.get("panels") or [])

    walk(dash.get("panels") or [])
    return out


def rule_file_names(text: str) -> tuple[list[str], list[str]]:
    """Group names and rule names (alert or record) of a rule file, without a YAML parser."""
    groups, rules = [], []
    in_groups = False
    for line in text.splitlines():
        if re.match(r"^groups:\s*$", line):
            in_groups = True
            continue
        if not in_groups or line.lstrip().startswith("#"):
            continue
        m = re.match(r"^\s*-\s+name:\s*['\"]?([^'\"#]+?)['\"]?\s*(#.*)?$", line)
        if m:
            groups.append(m.group(1))
            continue
        m = re.match(r"^\s*-\s+(?:alert|record):\s*['\"]?([^'\"#\s]+)['\"]?", line)
        if m:
            rules.append(m.group(1))
    return groups, rules


def result_size(resp: dict) -> int:
    data = resp.get("data") or {}
    if data.get("resultType") in ("scalar", "string"):
        return 1
    return len(data.get("result") or [])


def run(args: argparse.Namespace, checks: Checks, tmp: Path, procs: list[Process]) -> None:
    exporter = Path(args.exporter).resolve()
    rules_path = Path(args.rules).resolve()
    dash_path = Path(args.dashboard).resolve()
    for label, path in (("exporter binary", exporter), ("prometheus binary", Path(args.prometheus)),
                        ("rule file", rules_path), ("dashboard", dash_path)):
        if not checks.record(path.is_file(), f"{label} exists", str(path)):
            return
    dash = json.loads(dash_path.read_text())
    rules_text = rules_path.read_text()

    exporter_port, prom_port = free_port(), free_port()
    while prom_port == exporter_port:
        prom_port = free_port()

    argv = [str(exporter), "--demo", "--web.listen-address", f"{HOST}:{exporter_port}"]
    if args.config:
        argv += ["--config.file", str(Path(args.config).resolve())]
    argv += args.exporter_arg
    exp = Process("exporter", argv, tmp)
    procs.append(exp)

    config = tmp / "prometheus.yml"
    config.write_text(
        "global:\n"
        "  scrape_interval: 1s\n"
        "  scrape_timeout: 1s\n"
        "  evaluation_interval: 1s\n"
        "rule_files:\n"
        f"  - {json.dumps(str(rules_path))}\n"
        "scrape_configs:\n"
        f"  - job_name: {SCRAPE_JOB}\n"
        "    static_configs:\n"
        f"      - targets: ['{HOST}:{exporter_port}']\n"
    )
    (tmp / "data").mkdir()
    prom = Process("prometheus", [args.prometheus, f"--config.file={config}", f"--storage.tsdb.path={tmp / 'data'}",
                                  f"--web.listen-address={HOST}:{prom_port}"], tmp)
    procs.append(prom)
    api = Prometheus(prom_port)

    started = time.monotonic()
    ready = wait_for("exporter /readyz", lambda: http_get(f"http://{HOST}:{exporter_port}/readyz")[0] == 200,
                     args.timeout, [exp])
    if not checks.record(bool(ready), "exporter /readyz is 200", f"not within {args.timeout:.0f}s"):
        print(exp.tail(), flush=True)
        return
    info(f"exporter ready after {time.monotonic() - started:.1f}s")
    status, _ = http_get(f"http://{HOST}:{exporter_port}/healthz")
    checks.record(status == 200, "exporter /healthz is 200", f"HTTP {status}")

    ok = wait_for("prometheus /-/ready", lambda: http_get(f"{api.base}/-/ready")[0] == 200, args.timeout, [prom])
    if not checks.record(bool(ok), "prometheus is ready"):
        print(prom.tail(), flush=True)
        return

    up = f'up{{job="{SCRAPE_JOB}"}}'
    scrapes = f"count_over_time({up}[5m])"
    ok = wait_for(f"{args.scrapes} scrapes",
                  lambda: api.scalar(up) == 1 and (api.scalar(scrapes) or 0) >= args.scrapes,
                  args.timeout, [exp, prom])
    if not checks.record(bool(ok), f"prometheus scraped the exporter (up == 1, {args.scrapes}+ scrapes)",
                         f"up={api.scalar(up)}, scrapes={api.scalar(scrapes)}"):
        targets = api.api("/api/v1/targets") or {}
        for t in (targets.get("data") or {}).get("activeTargets", []):
            info(f"target {t.get('scrapeUrl')}: health={t.get('health')} lastError={t.get('lastError')!r}")
        print(exp.tail(), flush=True)
        return
    # Counters and histograms only count jobs that end after the start-up backfill: give the
    # demo up to --settle seconds to finish some, until every dashboard query has data.
    var_names = {v.get("name") for v in (dash.get("templating") or {}).get("list") or []}
    queries = [(what, substitute(expr, var_names)) for what, expr in dashboard_queries(dash)]

    def all_have_data():
        pending = [q for _, q in queries if result_size(api.query(q) or {}) == 0]
        return not pending

    if args.settle > 0 and not all_have_data():
        info(f"waiting up to {args.settle:.0f}s for every dashboard query to have data")
        waited = time.monotonic()
        if wait_for("dashboard data", all_have_data, args.settle, [exp, prom], interval=5):
            info(f"all dashboard queries have data after {time.monotonic() - waited:.0f}s more")

    # ---- rule groups loaded and evaluated without errors
    want_groups, want_rules = rule_file_names(rules_text)

    def evaluated_groups():
        r = api.api("/api/v1/rules")
        groups = ((r or {}).get("data") or {}).get("groups") or []
        by_name = {g.get("name"): g for g in groups}
        if all(n in by_name and not str(by_name[n].get("lastEvaluation", "0001")).startswith("0001")
               for n in want_groups):
            return by_name
        return None

    by_name = wait_for("rule groups to be evaluated", evaluated_groups, 30, [prom]) or {}
    if not by_name:
        r = api.api("/api/v1/rules")
        by_name = {g.get("name"): g for g in (((r or {}).get("data") or {}).get("groups") or [])}
    checks.record(bool(want_groups), "rule file lists groups", str(rules_path))
    loaded_rules = {}
    for name in want_groups:
        g = by_name.get(name)
        if not checks.record(g is not None, f"rule group {name} loaded", f"not in /api/v1/rules ({sorted(by_name)})"):
            continue
        for rule in g.get("rules") or []:
            loaded_rules[rule.get("name")] = rule
            health = rule.get("health")
            checks.record(health in ("ok", "unknown") and not rule.get("lastError"),
                          f"rule {name}/{rule.get('name')} healthy",
                          f"health={health} lastError={rule.get('lastError')!r}")
    missing = [r for r in want_rules if r not in loaded_rules]
    checks.record(not missing, f"all {len(want_rules)} rules of the file loaded", f"missing {missing}")

    # ---- every rule expression parses
    for rname, rule in loaded_rules.items():
        resp = api.query(rule.get("query", ""))
        checks.record(bool(resp) and resp.get("status") == "success", f"rule {rname} expression parses",
                      (resp or {}).get("error", "no response"))
    firing = sorted({a.get("labels", {}).get("alertname")
                     for a in ((api.api("/api/v1/alerts") or {}).get("data") or {}).get("alerts", [])
                     if a.get("state") in ("firing", "pending")})
    info(f"alerts pending or firing against the demo: {', '.join(firing) if firing else 'none'}")

    # ---- dashboard variables have values
    variables = (dash.get("templating") or {}).get("list") or []
    for v in variables:
        if v.get("type") != "query":
            continue
        q = v.get("query")
        text = (q.get("query") if isinstance(q, dict) else q) or v.get("definition", "")
        m = LABEL_VALUES.match(substitute(text, var_names))
        if not checks.record(bool(m), f"variable {v.get('name')} is a label_values() query", text):
            continue
        selector, label = m.group(1), m.group(2)
        params = {"match[]": selector.strip()} if selector else {}
        resp = api.api(f"/api/v1/label/{label}/values", **params) or {}
        values = resp.get("data") or []
        checks.record(resp.get("status") == "success" and bool(values), f"variable {v.get('name')} has values",
                      resp.get("error") or f"no values for {text}")

    # ---- every dashboard query parses and returns data
    empty = []
    for what, expr in dashboard_queries(dash):
        q = substitute(expr, var_names)
        resp = api.query(q)
        if not checks.record(bool(resp) and resp.get("status") == "success", f"{what} parses",
                             f"{(resp or {}).get('error', 'no response')} in: {q}"):
            continue
        n = result_size(resp)
        if not checks.record(n > 0, f"{what} returns data", f"empty result for: {q}"):
            empty.append(what)
    if empty:
        info(f"{len(empty)} dashboard queries returned no data")

    checks.record(exp.alive(), "exporter still running", f"exited with {exp.proc.returncode}")
    checks.record(prom.alive(), "prometheus still running", f"exited with {prom.proc.returncode}")
    if checks.failed:
        print(exp.tail(15), flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--exporter", required=True, help="path to the aws-backup-exporter binary")
    ap.add_argument("--prometheus", default="/usr/bin/prometheus", help="path to the prometheus binary")
    ap.add_argument("--dashboard", default=str(REPO / "dashboards" / "aws-backup.json"))
    ap.add_argument("--rules", default=str(REPO / "alerts" / "aws-backup.rules.yml"))
    ap.add_argument("--config", help="exporter config file passed as --config.file (optional)")
    ap.add_argument("--exporter-arg", action="append", default=[], metavar="ARG",
                    help="extra argument for the exporter (repeatable)")
    ap.add_argument("--timeout", type=float, default=60.0, help="bound of each wait, seconds (default 60)")
    ap.add_argument("--scrapes", type=int, default=5, help="scrapes to wait for before querying (default 5)")
    ap.add_argument("--settle", type=float, default=60.0,
                    help="at most this many more seconds for every dashboard query to have data: "
                         "counters and histograms need jobs that end after the exporter started "
                         "(default 60; 0 checks at once)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, TSDB)")
    args = ap.parse_args(argv)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    checks = Checks()
    procs: list[Process] = []
    tmp = Path(tempfile.mkdtemp(prefix="aws-backup-e2e-"))
    interrupted = False
    try:
        run(args, checks, tmp, procs)
    except KeyboardInterrupt:
        interrupted = True
        checks.record(False, "run completed", "interrupted")
    except Exception as e:  # noqa: BLE001 - report, clean up, fail
        checks.record(False, "run completed", f"{type(e).__name__}: {e}")
    finally:
        for p in reversed(procs):
            try:
                p.stop()
            except Exception as e:  # noqa: BLE001
                info(f"stopping {p.name}: {e}")
        if args.keep:
            info(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"{checks.passed} passed, {checks.failed} failed", flush=True)
    if interrupted:
        return 130
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
