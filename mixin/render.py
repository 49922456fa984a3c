#!/usr/bin/env python3
"""Renders the aws-backup-exporter mixin into the files the repository ships.

Usage: render.py --out DIR [--tla-code NAME=CODE ...]

Evaluates mixin/render.jsonnet with the C++ jsonnet (the `jsonnet` command, Debian's package,
or else PyPI's `jsonnet` module `_jsonnet`) and writes each entry under DIR: `yaml` entries as
YAML with their `header` as comments, `json` entries as JSON. The YAML and JSON are written here,
not by jsonnet, so the output is the same whatever jsonnet version ran: keys in a fixed order
(the conventional order of rule files and Kubernetes manifests first, then alphabetical),
multi-line strings as literal blocks, long single-line strings folded. Python 3.11 standard
library only; scripts/mixin is the entry point.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

MIXIN = Path(__file__).resolve().parent

# Keys that go first, in this order, wherever they appear; the rest follow alphabetically.
KEY_ORDER = [
    "apiVersion", "kind", "metadata", "name", "namespace", "interval",
    "alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations",
    "summary", "description", "runbook", "runbook_url", "spec", "data", "groups", "rules",
]
RANK = {k: i for i, k in enumerate(KEY_ORDER)}
FOLD_WIDTH = 96
PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./:-]*(?<!:)$")
DURATION = re.compile(r"^([0-9]+[smhdwy])+$")  # 15m, 1h30m: strings in every YAML version
RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def evaluate(path: Path, tla_codes: dict[str, str] | None = None) -> object:
    """The JSON value of a jsonnet file, with mixin/ on the import path."""
    tla_codes = tla_codes or {}
    if shutil.which("jsonnet"):
        argv = ["jsonnet", "-J", str(MIXIN)]
        for name, code in tla_codes.items():
            argv += ["--tla-code", f"{name}={code}"]
        out = subprocess.run(argv + [str(path)], check=True, capture_output=True, text=True)
        return json.loads(out.stdout)
    try:
        import _jsonnet  # PyPI's jsonnet
    except ImportError:
        sys.exit("render.py: neither the jsonnet command nor the _jsonnet module (pip install jsonnet) is available")
    return json.loads(_jsonnet.evaluate_file(str(path), jpathdir=[str(MIXIN)], tla_codes=tla_codes))


def ordered(d: dict) -> list[tuple[str, object]]:
    return sorted(d.items(), key=lambda kv: (RANK.get(kv[0], len(RANK)), kv[0]))


def scalar(v: object) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    s = str(v)
    if (PLAIN.match(s) and s.lower() not in RESERVED) or DURATION.match(s):
        return s
    return json.dumps(s, ensure_ascii=False)  # JSON's escapes are valid in YAML double quotes


def foldable(s: str) -> bool:
    """A single-line string that a folded block scalar (>-) gives back exactly."""
    return (len(s) > FOLD_WIDTH and "\n" not in s and s == s.strip() and "  " not in s
            and "\t" not in s and " " in s)


def atoms(s: str, width: int) -> list[str]:
    """The words of s, where a folded line may break: never inside a Go template action
    ({{ ... }}) that fits in a line, nor after a runbook step number ("2.")."""
    out: list[str] = []
    action: list[str] = []
    depth = 0
    for word in s.split(" "):
        depth += word.count("{{") - word.count("}}")
        action.append(word)
        if depth > 0:
            continue
        depth = 0
        joined = " ".join(action)
        out += [joined] if len(joined) <= width else action
        action = []
    out += action
    glued: list[str] = []
    for word in out:
        if glued and re.fullmatch(r"\d+\.", glued[-1]):
            glued[-1] += " " + word
        else:
            glued.append(word)
    return glued


def fold(s: str, width: int) -> list[str]:
    lines, line = [], ""
    for word in atoms(s, width):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return lines


def block(s: str, indent: str) -> list[str]:
    """A string as a block scalar: the indicator, then its lines at `indent`."""
    if "\n" in s:
        # Literal block: "|" keeps one final line break, "|-" none, "|+" all of them.
        if s.endswith("\n\n"):
            chomp, body = "+", s[:-1]
        elif s.endswith("\n"):
            chomp, body = "", s[:-1]
        else:
            chomp, body = "-", s
        # An indentation indicator when the first line with text starts with a space.
        ind = "2" if body.lstrip("\n")[:1] == " " else ""
        return [f"|{ind}{chomp}"] + [f"{indent}{ln}" if ln else "" for ln in body.split("\n")]
    return [">-"] + [f"{indent}{ln}" for ln in fold(s, max(40, FOLD_WIDTH - len(indent)))]


def emit(v: object, indent: str) -> list[str]:
    """Lines of a mapping or sequence at `indent` (its parent writes the key or dash)."""
    out: list[str] = []
    if isinstance(v, dict):
        for k, x in ordered(v):
            key = scalar(k)
            out += value_lines(f"{indent}{key}:", x, indent)
    elif isinstance(v, list):
        for x in v:
            if isinstance(x, dict) and x:
                inner = emit(x, indent + "  ")
                out.append(f"{indent}- {inner[0].lstrip()}")
                out += inner[1:]
            elif isinstance(x, list) and x:
                out.append(f"{indent}-")
                out += emit(x, indent + "  ")
            else:
                out += value_lines(f"{indent}-", x, indent)
    return out


def value_lines(prefix: str, x: object, indent: str) -> list[str]:
    if isinstance(x, dict):
        return [f"{prefix} {{}}"] if not x else [prefix] + emit(x, indent + "  ")
    if isinstance(x, list):
        return [f"{prefix} []"] if not x else [prefix] + emit(x, indent + "  ")
    if isinstance(x, str) and ("\n" in x or foldable(x)):
        lines = block(x, indent + "  ")
        return [f"{prefix} {lines[0]}"] + lines[1:]
    return [f"{prefix} {scalar(x)}"]


def to_yaml(doc: object, header: str = "") -> str:
    lines = [f"# {ln}".rstrip() for ln in header.rstrip("\n").split("\n")] if header else []
    if lines:
        lines.append("")
    lines += emit(doc, "")
    return "\n".join(lines) + "\n"


def to_json(doc: object) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render(tla_codes: dict[str, str] | None = None) -> dict[str, str]:
    """Relative path -> file text."""
    entries = evaluate(MIXIN / "render.jsonnet", tla_codes)
    texts: dict[str, str] = {}
    for path, entry in entries.items():
        if "json" in entry:
            texts[path] = to_json(entry["json"])
    for path, entry in entries.items():
        if "yaml" in entry:
            texts[path] = to_yaml(embed(entry["yaml"], texts), entry.get("header", ""))
    return dict(sorted(texts.items()))


def embed(v: object, texts: dict[str, str]) -> object:
    """Replaces {"embedJson": path} by the rendered text of that JSON file."""
    if isinstance(v, dict):
        if set(v) == {"embedJson"}:
            return texts[v["embedJson"]]
        return {k: embed(x, texts) for k, x in v.items()}
    if isinstance(v, list):
        return [embed(x, texts) for x in v]
    return v


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="directory to write the files under")
    ap.add_argument("--tla-code", action="append", default=[], metavar="NAME=CODE",
                    help="top-level argument of render.jsonnet, e.g. mixin=(import 'mixin.libsonnet') + {...}")
    args = ap.parse_args(argv)
    tla = dict(a.split("=", 1) for a in args.tla_code)
    out = Path(args.out)
    for path, text in render(tla).items():
        dest = out / path
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="utf-8")
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
