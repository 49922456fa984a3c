#!/usr/bin/env python3
"""Static checks of a Grafana dashboard JSON file.

Usage: check_dashboard.py [-v] DASHBOARD.json

Run it on the rendered dashboard (dashboards/aws-backup.json, written by scripts/mixin from
mixin/dashboards/); tests/e2e/check_mixin.py checks that the exporter selector reached every
query.

Checks: schemaVersion >= 39; unique integer panel ids; every panel, including those nested in
collapsed rows, has a gridPos with integer x/y/w/h inside the 24-column grid and overlaps no
other panel; every panel has a description; every panel and query uses the `${datasource}`
variable as its data source; every variable used by a query is defined; queries have balanced
brackets and quotes; selectors of the exporter's metrics filter on the dashboard variables
that match the metric's labels.

Prints one line per failure (with -v, per passed check too), then `N passed, N failed`, and
exits 1 if anything failed. Python 3.11 standard library only.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field

MIN_SCHEMA_VERSION = 39
GRID_WIDTH = 24
DATASOURCE_UID = "${datasource}"

# Grafana's global variables, always defined.
BUILTIN_VARIABLES = {
    "__interval", "__interval_ms", "__rate_interval", "__rate_interval_ms", "__range", "__range_s",
    "__range_ms", "__from", "__to", "__dashboard", "__org", "__user", "__timeFilter", "__name",
    "__all", "timeFilter", "__series", "__field", "__value", "__data", "__cell",
}

# Variable -> label it filters on, and the labels of the exporter's metrics (DESIGN.md §3).
VARIABLE_LABELS = {"region": "region", "account_id": "account_id", "resource_type": "resource_type",
                   "job_type": "job_type"}
_JOB = {"job_type", "region", "account_id", "resource_type"}
METRIC_LABELS = {
    "aws_backup_jobs": _JOB,
    "aws_backup_jobs_finished_total": _JOB,
    "aws_backup_job_duration_seconds_bucket": {"job_type", "resource_type"},
    "aws_backup_job_duration_seconds_sum": {"job_type", "resource_type"},
    "aws_backup_job_duration_seconds_count": {"job_type", "resource_type"},
    "aws_backup_job_size_bytes_bucket": {"job_type", "resource_type"},
    "aws_backup_job_size_bytes_sum": {"job_type", "resource_type"},
    "aws_backup_job_size_bytes_count": {"job_type", "resource_type"},
    "aws_backup_active_job_oldest_age_seconds": {"job_type", "region", "account_id"},
    "aws_backup_restore_validations": {"region", "account_id", "resource_type"},
    "aws_backup_resource_last_job_timestamp_seconds": _JOB,
    "aws_backup_resource_last_job_success": _JOB,
    "aws_backup_resource_last_backup_timestamp_seconds": {"region", "account_id", "resource_type"},
    "aws_backup_resource_last_success_timestamp_seconds": _JOB,
    "aws_backup_resource_backup_interval_seconds": {"region", "account_id", "resource_type"},
    "aws_backup_scan_results": {"region", "account_id", "resource_type"},
    "aws_backup_resource_last_scan_threats_found": {"region", "account_id", "resource_type"},
    "aws_backup_vault_info": {"region", "account_id"},
    "aws_backup_vault_recovery_points": {"region", "account_id"},
    "aws_backup_vault_locked": {"region", "account_id"},
    "aws_backup_vault_lock_date_timestamp_seconds": {"region", "account_id"},
    "aws_backup_vault_min_retention_seconds": {"region", "account_id"},
    "aws_backup_vault_max_retention_seconds": {"region", "account_id"},
    "aws_backup_restore_testing_plan_last_execution_timestamp_seconds": {"region", "account_id"},
    "aws_backup_restore_testing_plan_interval_seconds": {"region", "account_id"},
    "aws_backup_job_summary_jobs": _JOB,
    "aws_backup_resource_restore_watched": {"region", "account_id"},
    "aws_backup_resource_last_restore_timestamp_seconds": {"region", "account_id", "resource_type"},
    "aws_backup_resource_last_restore_duration_seconds": {"region", "account_id", "resource_type"},
}

VAR_REF = re.compile(r"\$\{(\w+)(?:[:.][^}]*)?\}|\[\[(\w+)(?::\w+)?\]\]|\$(\w+)")
SELECTOR = re.compile(r"(?<![\w:\"])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?")
MATCHER = re.compile(r'([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')


@dataclass
class Report:
    verbose: bool = False
    passed: int = 0
    failed: int = 0
    lines: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str, why: str = "") -> bool:
        if ok:
            self.passed += 1
            if self.verbose:
                print(f"ok   {what}")
        else:
            self.failed += 1
            print(f"FAIL {what}{': ' + why if why else ''}")
        return ok


def panel_name(p: dict) -> str:
    return f"panel {p.get('id', '?')} {p.get('title', '')!r}"


def is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def strip_strings(expr: str) -> str:
    """The expression with string literals blanked, so brackets inside label values don't count."""
    return re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)


def balanced(expr: str) -> str | None:
    if expr.count('"') - len(re.findall(r'\\"', expr)) & 1:
        return "unbalanced double quotes"
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    for ch in strip_strings(expr):
        if ch in "([{":
            stack.append(ch)
        elif ch in pairs:
            if not stack or stack.pop() != pairs[ch]:
                return f"unbalanced {ch!r}"
    return f"unclosed {stack[-1]!r}" if stack else None


def referenced_variables(text: str) -> set[str]:
    return {next(g for g in m.groups() if g) for m in VAR_REF.finditer(text)}


def selector_problems(expr: str) -> list[str]:
    """Selectors of known metrics that do not filter on the matching dashboard variables."""
    problems = []
    # Blank out `by (...)`/`on (...)`-style label lists so label names are not taken for metrics.
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", r"\1 ()", expr)
    for m in SELECTOR.finditer(text):
        metric, body = m.group(1), m.group(2) or ""
        labels = METRIC_LABELS.get(metric)
        if labels is None:
            continue
        matchers = {name: (op, value) for name, op, value in MATCHER.findall(body)}
        for var, label in VARIABLE_LABELS.items():
            if label not in labels:
                continue
            op, value = matchers.get(label, (None, None))
            refs = referenced_variables(value or "")
            if op is None:
                problems.append(f"{metric} does not filter {label} on ${var}")
            elif not refs:
                continue  # fixed on purpose, e.g. job_type="restore"
            elif op != "=~" or refs != {var}:
                problems.append(f"{metric} uses {label}{op}\"{value}\" (expected {label}=~\"${var}\")")
    return problems


def all_panels(panels: list[dict]) -> list[tuple[dict, dict | None]]:
    out = []
    for p in panels:
        out.append((p, None))
        for child in p.get("panels", []) or []:
            out.append((child, p))
    return out


def overlaps(a: dict, b: dict) -> bool:
    return (a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"]
            and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"])


def check(dash: dict, r: Report) -> None:
    sv = dash.get("schemaVersion")
    r.check(is_int(sv) and sv >= MIN_SCHEMA_VERSION, "schemaVersion", f"{sv!r} < {MIN_SCHEMA_VERSION}")
    r.check(bool(dash.get("uid")), "dashboard uid", "missing")
    r.check(bool(dash.get("title")), "dashboard title", "missing")

    variables = (dash.get("templating") or {}).get("list") or []
    var_names = [v.get("name") for v in variables]
    r.check(len(var_names) == len(set(var_names)), "variable names unique", f"{var_names}")
    defined = set(var_names) | BUILTIN_VARIABLES
    ds_vars = [v for v in variables if v.get("name") == "datasource"]
    r.check(len(ds_vars) == 1 and ds_vars[0].get("type") == "datasource" and ds_vars[0].get("query") == "prometheus",
            "variable datasource", "needs a variable `datasource` of type datasource with query prometheus")

    for v in variables:
        name = v.get("name")
        if v.get("type") != "query":
            continue
        r.check(v.get("datasource", {}).get("uid") == DATASOURCE_UID, f"variable {name} datasource",
                f"{v.get('datasource')!r}")
        q = v.get("query")
        qtext = q.get("query", "") if isinstance(q, dict) else (q or "")
        qtext = qtext or v.get("definition", "")
        r.check(bool(qtext.strip()), f"variable {name} query", "empty")
        undefined = referenced_variables(qtext) - defined
        r.check(not undefined, f"variable {name} references", f"undefined variables {sorted(undefined)}")
        if v.get("includeAll"):
            r.check(v.get("allValue") == ".*", f"variable {name} allValue", f"{v.get('allValue')!r}, want '.*'")

    panels = dash.get("panels")
    if not r.check(isinstance(panels, list) and panels, "panels", "no panels"):
        return
    everything = all_panels(panels)

    ids = [p.get("id") for p, _ in everything]
    r.check(all(is_int(i) for i in ids), "panel ids are integers", f"{[i for i in ids if not is_int(i)]}")
    dupes = sorted({i for i in ids if ids.count(i) > 1}, key=str)
    r.check(not dupes, "panel ids unique", f"duplicated ids {dupes}")

    # Layout groups: the top level, and the contents of each collapsed row.
    groups: dict[str, list[dict]] = {"top level": [p for p in panels]}
    for p in panels:
        if p.get("type") == "row":
            children = p.get("panels") or []
            if p.get("collapsed"):
                groups[f"collapsed row {p.get('title')!r}"] = children
            else:
                r.check(not children, f"{panel_name(p)} nested panels",
                        "an expanded row must keep its panels at the top level")
        else:
            r.check(not p.get("panels"), f"{panel_name(p)} nested panels", "only rows may nest panels")

    good_pos = {}
    for p, parent in everything:
        name = panel_name(p)
        gp = p.get("gridPos")
        if not r.check(isinstance(gp, dict), f"{name} gridPos", "missing"):
            continue
        bad = [k for k in ("x", "y", "w", "h") if not is_int(gp.get(k))]
        if not r.check(not bad, f"{name} gridPos", f"{bad} not integers"):
            continue
        problems = []
        if gp["w"] < 1 or gp["h"] < 1:
            problems.append(f"w={gp['w']} h={gp['h']} must be >= 1")
        if gp["w"] > GRID_WIDTH:
            problems.append(f"w={gp['w']} > {GRID_WIDTH}")
        if gp["x"] < 0 or gp["y"] < 0:
            problems.append(f"x={gp['x']} y={gp['y']} must be >= 0")
        if gp["x"] + gp["w"] > GRID_WIDTH:
            problems.append(f"x+w={gp['x'] + gp['w']} > {GRID_WIDTH}")
        if parent is not None and is_int((parent.get("gridPos") or {}).get("y")) and gp["y"] <= parent["gridPos"]["y"]:
            problems.append(f"y={gp['y']} not below its row (y={parent['gridPos']['y']})")
        if r.check(not problems, f"{name} gridPos", "; ".join(problems)):
            good_pos[id(p)] = gp

    for group, members in groups.items():
        placed = [p for p in members if id(p) in good_pos]
        clashes = [f"{panel_name(a)} and {panel_name(b)}"
                   for i, a in enumerate(placed) for b in placed[i + 1:]
                   if overlaps(good_pos[id(a)], good_pos[id(b)])]
        r.check(not clashes, f"no overlapping panels ({group})", "; ".join(clashes))

    for p, _ in everything:
        name = panel_name(p)
        if p.get("type") == "row":
            r.check(bool(str(p.get("title", "")).strip()), f"{name} title", "row without a title")
            continue
        r.check(bool(str(p.get("title", "")).strip()), f"{name} title", "missing")
        r.check(bool(str(p.get("description", "")).strip()), f"{name} description", "missing or empty")
        ds = p.get("datasource")
        r.check(isinstance(ds, dict) and ds.get("uid") == DATASOURCE_UID and ds.get("type") == "prometheus",
                f"{name} datasource", f"{ds!r}, want {{'type': 'prometheus', 'uid': '{DATASOURCE_UID}'}}")
        targets = p.get("targets") or []
        if not r.check(bool(targets), f"{name} targets", "no queries"):
            continue
        refids = [t.get("refId") for t in targets]
        r.check(len(refids) == len(set(refids)) and all(refids), f"{name} refIds", f"{refids}")
        for t in targets:
            what = f"{name} query {t.get('refId')}"
            tds = t.get("datasource")
            r.check(tds is None or (isinstance(tds, dict) and tds.get("uid") == DATASOURCE_UID),
                    f"{what} datasource", f"{tds!r}")
            expr = t.get("expr", "")
            if not r.check(bool(str(expr).strip()), f"{what} expr", "empty"):
                continue
            undefined = referenced_variables(expr) - defined
            r.check(not undefined, f"{what} variables", f"undefined variables {sorted('$' + u for u in undefined)}")
            problem = balanced(expr)
            r.check(problem is None, f"{what} brackets", problem or "")
            problems = selector_problems(expr)
            r.check(not problems, f"{what} selectors", "; ".join(problems))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dashboard")
    ap.add_argument("-v", "--verbose", action="store_true", help="print passed checks too")
    args = ap.parse_args(argv)
    r = Report(verbose=args.verbose)
    try:
        with open(args.dashboard, encoding="utf-8") as f:
            dash = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        r.check(False, f"load {args.dashboard}", str(e))
        dash = None
    if dash is not None:
        if r.check(isinstance(dash, dict), "dashboard is a JSON object"):
            check(dash, r)
    print(f"{r.passed} passed, {r.failed} failed")
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
