#!/usr/bin/env python3
"""Proves that the mixin's selector reaches every expression that reads the exporter's series.

Usage: check_mixin.py [-v]

Renders the mixin twice through mixin/render.py, with the default _config and with
`awsBackupExporterSelector: 'job="custom-sel"'`, and checks, in both renderings:
  * every selector of a series the exporter produces (aws_backup_*, process_*, and `up` of its
    scrape), in every alerting and recording rule, in every query that an annotation's template
    runs, in every dashboard query and in every dashboard variable query, carries the configured
    selector's matchers;
  * series that the rules record themselves (aws_backup_max_backup_age_seconds, the jobs
    recording rule) are read without it;
  * with the override, the default selector appears nowhere;
  * the override changes nothing but the selector: the custom rendering, with the selector
    written back to the default, is the default rendering;
  * the PrometheusRule holds the same groups as the rule file.
Prints one line per failure (with -v, per passed check too), then `N passed, N failed`; exits 1
if anything failed. Needs the jsonnet command or the _jsonnet module (scripts/mixin installs
one). Python 3.11 standard library only.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "mixin"))
import render  # noqa: E402  (mixin/render.py)

DEFAULT = 'job=~".*aws-backup.*"'
CUSTOM = 'job="custom-sel"'
CUSTOM_MIXIN = "(import 'mixin.libsonnet') + {_config+:: {awsBackupExporterSelector: %s}}" % json.dumps(CUSTOM)

RULES = "alerts/aws-backup.rules.yml"
DASHBOARD = "dashboards/aws-backup.json"
PROMETHEUS_RULE = "deploy/kubernetes/base/prometheusrule.yaml"

MATCHER = re.compile(r'([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
LABEL_LIST_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
KEYWORDS = LABEL_LIST_KEYWORDS | {"offset", "bool", "and", "or", "unless", "atan2", "inf", "nan"}
BACKTICK = re.compile(r"`([^`]*)`")


class Report:
    def __init__(self, verbose: bool) -> None:
        self.verbose = verbose
        self.passed = 0
        self.failed = 0

    def check(self, ok: bool, what: str, why: str = "") -> bool:
        if ok:
            self.passed += 1
            if self.verbose:
                print(f"ok   {what}")
        else:
            self.failed += 1
            print(f"FAIL {what}{': ' + why if why else ''}")
        return ok


def skip_string(s: str, i: int) -> int:
    """Index after the string literal that starts at s[i]."""
    quote = s[i]
    i += 1
    while i < len(s):
        if s[i] == "\\" and quote != "`":
            i += 2
            continue
        if s[i] == quote:
            return i + 1
        i += 1
    return i


def skip_group(s: str, i: int, close: str) -> int:
    """Index after the bracket that closes the one at s[i], strings skipped."""
    opener = s[i]
    depth = 0
    while i < len(s):
        c = s[i]
        if c in "\"'`":
            i = skip_string(s, i)
            continue
        if c == opener:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def selectors(expr: str) -> list[tuple[str, str | None]]:
    """(metric name, matcher body or None) of every vector selector in a PromQL expression."""
    out: list[tuple[str, str | None]] = []
    i, n = 0, len(expr)
    while i < n:
        c = expr[i]
        if c in "\"'`":
            i = skip_string(expr, i)
        elif c == "#":
            j = expr.find("\n", i)
            i = n if j < 0 else j
        elif c == "[":
            i = skip_group(expr, i, "]")
        elif c == "{":  # a selector without a metric name
            i = skip_group(expr, i, "}")
        elif c.isdigit() or c == ".":
            while i < n and (expr[i].isalnum() or expr[i] in "._"):
                i += 1
        elif c.isalpha() or c in "_:":
            j = i
            while j < n and (expr[j].isalnum() or expr[j] in "_:"):
                j += 1
            name = expr[i:j]
            k = j
            while k < n and expr[k].isspace():
                k += 1
            nxt = expr[k] if k < n else ""
            if name in LABEL_LIST_KEYWORDS and nxt == "(":
                i = skip_group(expr, k, ")")
            elif name in KEYWORDS or nxt == "(":
                i = j
            elif nxt == "{":
                end = skip_group(expr, k, "}")
                out.append((name, expr[k + 1:end - 1]))
                i = end
            else:
                out.append((name, None))
                i = j
        else:
            i += 1
    return out


def matchers(text: str) -> set[tuple[str, str, str]]:
    return set(MATCHER.findall(text))


def is_exporter_series(name: str, recorded: set[str]) -> bool:
    if name in recorded:
        return False
    return name == "up" or name.startswith(("aws_backup_", "aws_backup:", "process_"))


def expressions(entries: dict) -> tuple[list[tuple[str, str]], set[str]]:
    """(what, PromQL) of every rule, annotation query and dashboard query; the recorded names."""
    groups = entries[RULES]["yaml"]["groups"]
    recorded = {r["record"] for g in groups for r in g["rules"] if "record" in r}
    out: list[tuple[str, str]] = []
    for g in groups:
        for r in g["rules"]:
            name = r.get("alert") or r.get("record")
            out.append((f"rule {g['name']}/{name} expr", r["expr"]))
            for key, text in sorted((r.get("annotations") or {}).items()):
                for n, q in enumerate(BACKTICK.findall(text)):
                    out.append((f"rule {name} annotation {key} query {n}", q))
    dash = entries[DASHBOARD]["json"]

    def walk(panels: list[dict]) -> None:
        for p in panels:
            for t in p.get("targets") or []:
                if t.get("expr"):
                    out.append((f"dashboard panel {p.get('id')} {p.get('title')!r} {t.get('refId')}", t["expr"]))
            walk(p.get("panels") or [])

    walk(dash.get("panels") or [])
    for v in (dash.get("templating") or {}).get("list") or []:
        if v.get("type") != "query":
            continue
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        out.append((f"dashboard variable {v.get('name')} query", q or ""))
        if v.get("definition"):
            out.append((f"dashboard variable {v.get('name')} definition", v["definition"]))
    return out, recorded


def check_rendering(label: str, entries: dict, selector: str, r: Report) -> None:
    want = matchers(selector)
    exprs, recorded = expressions(entries)
    r.check(bool(exprs), f"[{label}] expressions found", "none")
    r.check("aws_backup_max_backup_age_seconds" in recorded, f"[{label}] threshold series is recorded by the rules")
    for what, expr in exprs:
        missing, extra = [], []
        seen = 0
        for name, body in selectors(expr):
            if is_exporter_series(name, recorded):
                seen += 1
                if body is None or not want <= matchers(body):
                    missing.append(f"{name}{{{body or ''}}}")
            elif name in recorded and body is not None and any(m[0] == "job" for m in matchers(body)):
                extra.append(f"{name}{{{body}}}")
        r.check(not missing, f"[{label}] {what}: {seen} exporter selectors carry {selector}",
                "without it: " + "; ".join(missing))
        r.check(not extra, f"[{label}] {what}: recorded series read without a job matcher", "; ".join(extra))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-v", "--verbose", action="store_true", help="print passed checks too")
    args = ap.parse_args(argv)
    r = Report(args.verbose)
    template = render.MIXIN / "render.jsonnet"

    default = render.evaluate(template)
    custom = render.evaluate(template, {"mixin": CUSTOM_MIXIN})
    check_rendering("default", default, DEFAULT, r)
    check_rendering("custom", custom, CUSTOM, r)

    custom_text = json.dumps(custom, sort_keys=True)
    default_text = json.dumps(default, sort_keys=True)
    needle = DEFAULT.split('"')[1]
    r.check(needle not in custom_text, f"[custom] the default selector {DEFAULT} appears nowhere",
            f"found {custom_text.count(needle)} times")
    r.check(json.dumps(CUSTOM)[1:-1] in custom_text, f"[custom] the selector {CUSTOM} is used")
    r.check(custom_text.replace(json.dumps(CUSTOM)[1:-1], json.dumps(DEFAULT)[1:-1]) == default_text,
            "[custom] the override changes nothing but the selector")

    for label, entries in (("default", default), ("custom", custom)):
        groups = entries[RULES]["yaml"]["groups"]
        prom_rule = entries[PROMETHEUS_RULE]["yaml"]
        r.check(prom_rule["spec"]["groups"] == groups, f"[{label}] the PrometheusRule holds the rule file's groups")
        alerts = sorted(x["alert"] for g in groups for x in g["rules"] if "alert" in x)
        r.check(len(alerts) == len(set(alerts)), f"[{label}] alert names unique", str(alerts))
        for g in groups:
            for x in g["rules"]:
                if "alert" not in x:
                    continue
                ann = x.get("annotations") or {}
                r.check(all(ann.get(k) for k in ("summary", "description")) and bool(ann.get("runbook") or ann.get("runbook_url")),
                        f"[{label}] {x['alert']} has summary, description and runbook", str(sorted(ann)))
                r.check(x.get("labels", {}).get("severity") in ("critical", "warning", "info"),
                        f"[{label}] {x['alert']} severity", str(x.get("labels")))

    print(f"{r.passed} passed, {r.failed} failed")
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
