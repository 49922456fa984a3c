#!/usr/bin/env python3
"""Checks the rendered Kubernetes manifests of deploy/kubernetes (scripts/check-deploy runs it).

Usage: check_deploy.py [-v] [--kubernetes-version 1.32.0] [--promtool promtool] NAME=RENDERED.yaml ...

NAME is `default` (deploy/kubernetes), `base` or an overlay's directory name; RENDERED.yaml is
what `kubectl kustomize` printed for it. Checks, offline:
  * core kinds against the Kubernetes OpenAPI schemas of kubernetes-validate (strict: unknown
    fields are errors), for a pinned Kubernetes version;
  * the CRD kinds structurally: the ServiceMonitor selects a Service of the rendering by its
    labels and names one of its ports, and the Secrets its TLS and basic-auth settings name
    exist with those keys; the PrometheusRule holds exactly the groups of
    alerts/aws-backup.rules.yml, and `promtool check rules` accepts them;
  * the workload: one Deployment or StatefulSet, non-root, read-only root file system, no
    privilege escalation, resources, probes on /healthz and /readyz, every ConfigMap, Secret and
    ServiceAccount it uses present (the ServiceAccount with its IRSA role), the configuration
    file it is given mounted and parseable; the Grafana dashboard ConfigMap equal to
    dashboards/aws-backup.json;
  * per overlay: `default` renders as `base`; `organization` has two organization targets in
    us-east-1 and eu-west-1; `sharded` has a StatefulSet and no Deployment, replicas equal to
    --total-shards, --shard from the pod-index label, a headless governing Service, and the
    shard comments of its targets right; `web-config` serves TLS and basic auth from a mounted
    web config whose files exist, and its probes and ServiceMonitor authenticate as users of it.
Prints one line per failure (with -v, per passed check too), then `N passed, N failed`; exits 1
if anything failed. Needs PyYAML and kubernetes-validate (scripts/check-deploy installs them).
"""
from __future__ import annotations

import argparse
import base64
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path, PurePosixPath

import yaml

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "alerts" / "aws-backup.rules.yml"
DASHBOARD = REPO / "dashboards" / "aws-backup.json"
CRD_KINDS = {"ServiceMonitor", "PrometheusRule"}
BCRYPT = re.compile(r"^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$")
POD_INDEX = "metadata.labels['apps.kubernetes.io/pod-index']"


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
        return bool(ok)


def fnv1a64(text: str) -> int:
    h = 0xCBF29CE484222325
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


class Rendering:
    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.text = path.read_text()
        self.docs = [d for d in yaml.safe_load_all(self.text) if d]

    def of(self, kind: str) -> list[dict]:
        return [d for d in self.docs if d.get("kind") == kind]

    def get(self, kind: str, name: str) -> dict | None:
        return next((d for d in self.of(kind) if d["metadata"]["name"] == name), None)

    def secret_keys(self, name: str) -> set[str]:
        s = self.get("Secret", name)
        return set((s or {}).get("data") or {}) | set((s or {}).get("stringData") or {}) if s else set()

    def secret_value(self, name: str, key: str) -> str | None:
        s = self.get("Secret", name) or {}
        if key in (s.get("stringData") or {}):
            return s["stringData"][key]
        if key in (s.get("data") or {}):
            return base64.b64decode(s["data"][key]).decode()
        return None


def validate_core(r: Report, ren: Rendering, version: str) -> None:
    import kubernetes_validate

    for d in ren.docs:
        kind, name = d.get("kind"), (d.get("metadata") or {}).get("name")
        what = f"[{ren.name}] {kind}/{name}"
        if kind in CRD_KINDS:
            continue
        try:
            kubernetes_validate.validate(d, version, strict=True)
            r.check(True, f"{what} valid for Kubernetes {version}")
        except kubernetes_validate.ValidationError as e:
            path = ".".join(str(p) for p in e.path)
            r.check(False, f"{what} valid for Kubernetes {version}", f"{path}: {e.message}")
        except kubernetes_validate.SchemaNotFoundError as e:
            r.check(False, f"{what} has a schema", e.message)
        r.check((d.get("metadata") or {}).get("namespace") == "monitoring", f"{what} in namespace monitoring",
                str((d.get("metadata") or {}).get("namespace")))


def workload(r: Report, ren: Rendering) -> tuple[dict | None, dict | None]:
    deps, sts = ren.of("Deployment"), ren.of("StatefulSet")
    r.check(len(deps) + len(sts) == 1, f"[{ren.name}] exactly one Deployment or StatefulSet",
            f"{len(deps)} Deployments, {len(sts)} StatefulSets")
    w = (deps + sts)[0] if deps + sts else None
    if not w:
        return None, None
    containers = w["spec"]["template"]["spec"]["containers"]
    c = next((c for c in containers if c["name"] == "exporter"), None)
    r.check(c is not None, f"[{ren.name}] container exporter")
    return w, c


def mounted_files(ren: Rendering, w: dict, c: dict) -> dict[str, tuple[str, str, str]]:
    """Path in the container -> (volume kind, object name, key) for ConfigMap and Secret items."""
    volumes = {v["name"]: v for v in w["spec"]["template"]["spec"].get("volumes") or []}
    out: dict[str, tuple[str, str, str]] = {}
    for m in c.get("volumeMounts") or []:
        v = volumes.get(m["name"]) or {}
        sources = []
        if "configMap" in v:
            sources.append(("ConfigMap", v["configMap"]))
        if "secret" in v:
            sources.append(("Secret", dict(v["secret"], name=v["secret"]["secretName"])))
        for src in (v.get("projected") or {}).get("sources") or []:
            for kind, key in (("ConfigMap", "configMap"), ("Secret", "secret")):
                if key in src:
                    sources.append((kind, src[key]))
        for kind, src in sources:
            items = src.get("items")
            if items is None:
                obj = ren.get(kind, src["name"]) or {}
                items = [{"key": k, "path": k} for k in list(obj.get("data") or {}) + list(obj.get("stringData") or {})]
            for it in items:
                out[str(PurePosixPath(m["mountPath"]) / it["path"])] = (kind, src["name"], it["key"])
    return out


def check_workload(r: Report, ren: Rendering, w: dict, c: dict) -> dict:
    n = ren.name
    pod = w["spec"]["template"]["spec"]
    psc, csc = pod.get("securityContext") or {}, c.get("securityContext") or {}
    r.check(psc.get("runAsNonRoot") is True or csc.get("runAsNonRoot") is True, f"[{n}] runs as non-root")
    r.check(csc.get("readOnlyRootFilesystem") is True, f"[{n}] read-only root file system")
    r.check(csc.get("allowPrivilegeEscalation") is False, f"[{n}] no privilege escalation")
    r.check("ALL" in ((csc.get("capabilities") or {}).get("drop") or []), f"[{n}] drops all capabilities")
    res = c.get("resources") or {}
    r.check({"cpu", "memory"} <= set(res.get("requests") or {}) and "memory" in (res.get("limits") or {}),
            f"[{n}] resource requests (cpu, memory) and memory limit", str(res))
    for probe, path in (("startupProbe", "/healthz"), ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        got = ((c.get(probe) or {}).get("httpGet") or {})
        r.check(got.get("path") == path and got.get("port") == "metrics", f"[{n}] {probe} on {path}", str(got))
    r.check(any(p.get("name") == "metrics" and p.get("containerPort") == 9942 for p in c.get("ports") or []),
            f"[{n}] container port metrics 9942")
    sa = ren.get("ServiceAccount", pod.get("serviceAccountName", ""))
    r.check(sa is not None, f"[{n}] ServiceAccount {pod.get('serviceAccountName')} present")
    if sa:
        role = (sa["metadata"].get("annotations") or {}).get("eks.amazonaws.com/role-arn", "")
        r.check(role.startswith("arn:aws:iam::"), f"[{n}] ServiceAccount has the IRSA role annotation", role)
    files = mounted_files(ren, w, c)
    for path, (kind, name, key) in sorted(files.items()):
        obj = ren.get(kind, name)
        keys = set((obj or {}).get("data") or {}) | set((obj or {}).get("stringData") or {})
        r.check(obj is not None and key in keys, f"[{n}] mounted {path} from {kind} {name} key {key}")
    args = c.get("args") or []
    flags = dict(a[2:].split("=", 1) for a in args if a.startswith("--") and "=" in a)
    cfg_path = flags.get("config.file")
    config: dict = {}
    if r.check(cfg_path in files, f"[{n}] --config.file {cfg_path} is mounted"):
        kind, name, key = files[cfg_path]
        text = (ren.get(kind, name) or {}).get("data", {}).get(key, "")
        try:
            config = yaml.safe_load(text) or {}
            r.check(isinstance(config, dict), f"[{n}] configuration parses")
        except yaml.YAMLError as e:
            r.check(False, f"[{n}] configuration parses", str(e))
        targets = config.get("targets") or []
        names = [t.get("name") for t in targets]
        r.check(bool(targets) and len(names) == len(set(names)), f"[{n}] configuration has targets with unique names",
                str(names))
    return {"flags": flags, "files": files, "config": config}


def check_service_monitor(r: Report, ren: Rendering) -> None:
    n = ren.name
    sms = ren.of("ServiceMonitor")
    r.check(len(sms) == 1, f"[{n}] one ServiceMonitor", str(len(sms)))
    for sm in sms:
        r.check(sm.get("apiVersion") == "monitoring.coreos.com/v1", f"[{n}] ServiceMonitor apiVersion")
        spec = sm.get("spec") or {}
        want = (spec.get("selector") or {}).get("matchLabels") or {}
        namespaces = (spec.get("namespaceSelector") or {}).get("matchNames") or [sm["metadata"]["namespace"]]
        svcs = [s for s in ren.of("Service")
                if s["metadata"].get("namespace") in namespaces
                and want and all((s["metadata"].get("labels") or {}).get(k) == v for k, v in want.items())]
        r.check(len(svcs) == 1, f"[{n}] ServiceMonitor selects one Service", f"{[s['metadata']['name'] for s in svcs]}")
        endpoints = spec.get("endpoints") or []
        r.check(bool(endpoints), f"[{n}] ServiceMonitor has endpoints")
        for ep in endpoints:
            ports = {p.get("name") for s in svcs for p in s["spec"].get("ports") or []}
            r.check(ep.get("port") in ports, f"[{n}] ServiceMonitor endpoint port {ep.get('port')} is a Service port", str(ports))
            r.check(ep.get("path", "/metrics") == "/metrics", f"[{n}] ServiceMonitor endpoint path")
            refs = []
            tls = ep.get("tlsConfig") or {}
            for field in ("ca", "cert"):
                if "secret" in (tls.get(field) or {}):
                    refs.append((f"tlsConfig.{field}", tls[field]["secret"]))
            for field in ("username", "password"):
                if field in (ep.get("basicAuth") or {}):
                    refs.append((f"basicAuth.{field}", ep["basicAuth"][field]))
            for what, ref in refs:
                r.check(ref.get("key") in ren.secret_keys(ref.get("name", "")),
                        f"[{n}] ServiceMonitor {what} names Secret {ref.get('name')} key {ref.get('key')}")
            if ep.get("scheme") == "https":
                r.check(bool(tls), f"[{n}] ServiceMonitor https endpoint has a tlsConfig")


def check_rules_and_dashboard(r: Report, ren: Rendering, promtool: str) -> None:
    n = ren.name
    prs = ren.of("PrometheusRule")
    want = yaml.safe_load(RULES.read_text())["groups"]
    if r.check(len(prs) == 1, f"[{n}] one PrometheusRule", str(len(prs))):
        pr = prs[0]
        r.check(pr.get("apiVersion") == "monitoring.coreos.com/v1", f"[{n}] PrometheusRule apiVersion")
        groups = (pr.get("spec") or {}).get("groups")
        r.check(groups == want, f"[{n}] PrometheusRule groups equal those of {RULES.relative_to(REPO)}",
                "run scripts/mixin" if groups != want else "")
        with tempfile.NamedTemporaryFile("w", suffix=".rules.yml", delete=True) as f:
            yaml.safe_dump({"groups": groups}, f, sort_keys=False)
            f.flush()
            out = subprocess.run([promtool, "check", "rules", f.name], capture_output=True, text=True)
            r.check(out.returncode == 0, f"[{n}] promtool check rules accepts the PrometheusRule's groups",
                    (out.stdout + out.stderr).strip())
    dash = [d for d in ren.of("ConfigMap") if (d["metadata"].get("labels") or {}).get("grafana_dashboard") == "1"]
    if r.check(len(dash) == 1, f"[{n}] one ConfigMap labelled grafana_dashboard: \"1\"", str(len(dash))):
        data = dash[0].get("data") or {}
        want_dash = json.loads(DASHBOARD.read_text())
        r.check(list(data) == ["aws-backup.json"] and json.loads(data["aws-backup.json"]) == want_dash,
                f"[{n}] dashboard ConfigMap holds {DASHBOARD.relative_to(REPO)}")


def check_organization(r: Report, ren: Rendering, info: dict) -> None:
    targets = info["config"].get("targets") or []
    r.check(len(targets) == 2, "[organization] two targets", str(len(targets)))
    r.check(all(str(t.get("account_id")) == "*" for t in targets), "[organization] every target reads the organization (account_id \"*\")")
    r.check(sorted(t.get("region") for t in targets) == ["eu-west-1", "us-east-1"], "[organization] regions us-east-1 and eu-west-1",
            str([t.get("region") for t in targets]))


def check_sharded(r: Report, ren: Rendering, w: dict, c: dict, info: dict) -> None:
    r.check(not ren.of("Deployment"), "[sharded] no Deployment")
    r.check(w["kind"] == "StatefulSet", "[sharded] a StatefulSet", w["kind"])
    if w["kind"] != "StatefulSet":
        return
    replicas = w["spec"].get("replicas")
    total = info["flags"].get("total-shards")
    r.check(total is not None and str(replicas) == total, "[sharded] replicas equal --total-shards", f"{replicas} vs {total}")
    r.check(info["flags"].get("shard") == "$(SHARD)", "[sharded] --shard=$(SHARD)", str(info["flags"].get("shard")))
    env = {e["name"]: e for e in c.get("env") or []}
    ref = ((env.get("SHARD") or {}).get("valueFrom") or {}).get("fieldRef") or {}
    r.check(ref.get("fieldPath") == POD_INDEX, "[sharded] SHARD from the pod-index label (downward API)", str(ref))
    svc = ren.get("Service", w["spec"].get("serviceName", ""))
    r.check(svc is not None and svc["spec"].get("clusterIP") == "None", "[sharded] governing Service is headless",
            str((svc or {}).get("spec")))
    # The comment after each target's name says its shard.
    if total and total.isdigit():
        cm_text = next((d["data"]["config.yaml"] for d in ren.of("ConfigMap") if "config.yaml" in (d.get("data") or {})), "")
        marks = re.findall(r"-\s*name:\s*(\S+)\s*#\s*shard\s+(\d+)", cm_text)
        names = [t.get("name") for t in info["config"].get("targets") or []]
        r.check(sorted(m[0] for m in marks) == sorted(names), "[sharded] every target has a shard comment", str(marks))
        wrong = [f"{name}: says {s}, is {fnv1a64(name) % int(total)}" for name, s in marks if fnv1a64(name) % int(total) != int(s)]
        r.check(not wrong, "[sharded] shard comments match fnv1a64(name) mod --total-shards", "; ".join(wrong))
        used = {fnv1a64(name) % int(total) for name in names}
        r.check(len(used) > 1, "[sharded] targets spread over several shards", str(sorted(used)))


def verify_bcrypt(password: str, hashed: str) -> bool | None:
    """True/False when a bcrypt implementation is at hand, None otherwise."""
    try:
        import bcrypt  # type: ignore
        return bcrypt.checkpw(password.encode(), hashed.encode())
    except ImportError:
        pass
    try:
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import crypt  # Python < 3.13, libxcrypt knows $2b$
        got = crypt.crypt(password, hashed)
        return None if got is None else got == hashed
    except ImportError:
        return None


def check_web_config(r: Report, ren: Rendering, w: dict, c: dict, info: dict) -> None:
    files = info["files"]
    path = info["flags"].get("web.config.file")
    if not r.check(path in files, f"[web-config] --web.config.file {path} is mounted"):
        return
    kind, name, key = files[path]
    r.check(kind == "Secret", "[web-config] the web config comes from a Secret", kind)
    web = yaml.safe_load(ren.secret_value(name, key) or "") or {}
    tls = web.get("tls_server_config") or {}
    for field in ("cert_file", "key_file"):
        r.check(tls.get(field) in files and files[tls[field]][0] == "Secret",
                f"[web-config] tls_server_config.{field} {tls.get(field)} is mounted from a Secret")
    users = web.get("basic_auth_users") or {}
    r.check(bool(users) and all(BCRYPT.match(str(h)) for h in users.values()),
            "[web-config] basic_auth_users hold bcrypt hashes", str(list(users)))

    def credentials(what: str, user: str | None, password: str | None) -> None:
        if not r.check(user in users, f"[web-config] {what} authenticates as a user of the web config", str(user)):
            return
        ok = verify_bcrypt(password or "", str(users[user]))
        if ok is not None:
            r.check(ok, f"[web-config] {what}'s password matches the bcrypt hash of {user}")

    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        get = (c.get(probe) or {}).get("httpGet") or {}
        r.check(get.get("scheme") == "HTTPS", f"[web-config] {probe} over HTTPS", str(get.get("scheme")))
        headers = {h["name"]: h["value"] for h in get.get("httpHeaders") or []}
        auth = headers.get("Authorization", "")
        if r.check(auth.startswith("Basic "), f"[web-config] {probe} sends Authorization: Basic"):
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            credentials(probe, user, password)
    for sm in ren.of("ServiceMonitor"):
        for ep in sm["spec"].get("endpoints") or []:
            r.check(ep.get("scheme") == "https", "[web-config] ServiceMonitor scrapes over https")
            r.check(bool((ep.get("tlsConfig") or {}).get("ca")), "[web-config] ServiceMonitor verifies the certificate (tlsConfig.ca)")
            ba = ep.get("basicAuth") or {}
            user = ren.secret_value((ba.get("username") or {}).get("name", ""), (ba.get("username") or {}).get("key", ""))
            password = ren.secret_value((ba.get("password") or {}).get("name", ""), (ba.get("password") or {}).get("key", ""))
            credentials("the ServiceMonitor", user, password)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("renderings", nargs="+", metavar="NAME=RENDERED.yaml")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--kubernetes-version", default="1.32.0")
    ap.add_argument("--promtool", default="promtool")
    args = ap.parse_args(argv)
    r = Report(args.verbose)
    rens = {}
    for spec in args.renderings:
        name, _, path = spec.partition("=")
        rens[name] = Rendering(name, Path(path))
    if "default" in rens and "base" in rens:
        r.check(rens["default"].docs == rens["base"].docs, "[default] deploy/kubernetes renders the base")
    for name, ren in rens.items():
        r.check(bool(ren.docs), f"[{name}] renders resources")
        validate_core(r, ren, args.kubernetes_version)
        check_service_monitor(r, ren)
        check_rules_and_dashboard(r, ren, args.promtool)
        w, c = workload(r, ren)
        if not (w and c):
            continue
        info = check_workload(r, ren, w, c)
        if name in ("default", "base", "organization", "web-config"):
            r.check(w["kind"] == "Deployment", f"[{name}] a Deployment", w["kind"])
        if name == "organization":
            check_organization(r, ren, info)
        elif name == "sharded":
            check_sharded(r, ren, w, c, info)
        elif name == "web-config":
            check_web_config(r, ren, w, c, info)
    print(f"{r.passed} passed, {r.failed} failed")
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
