#!/usr/bin/env python3
"""End-to-end check of TLS and basic auth against a real Prometheus.

Usage: prometheus_tls_e2e.py --exporter target/debug/aws-backup-exporter [--prometheus PATH]

Makes a CA and a server certificate for 127.0.0.1 (openssl), a bcrypt hash (Python's bcrypt,
installed with pip when missing), starts the exporter with --demo and a --web.config.file
asking for TLS and basic auth, and a Prometheus with three scrape jobs of it: https with
tls_config.ca_file and the right basic_auth, the same with a wrong password, and plain http.
Checks that the first is up (== 1) and the other two are down (== 0) with the errors one
expects. Prints one line per check and `N passed, N failed`; exits 1 on any failure. Every
process and file is cleaned up; all traffic stays on 127.0.0.1.
"""
from __future__ import annotations

import argparse
import importlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from prometheus_e2e import HOST, Checks, Process, Prometheus, free_port, info, wait_for  # noqa: E402

PASSWORD = "correct horse battery staple"


def bcrypt_hash(password: str) -> str:
    try:
        bcrypt = importlib.import_module("bcrypt")
    except ImportError:
        info("installing Python's bcrypt (pip)")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "bcrypt"], check=True)
        bcrypt = importlib.import_module("bcrypt")
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=10)).decode()


def certificates(d: Path) -> None:
    def run(*argv: str) -> None:
        subprocess.run(argv, check=True, cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=e2e test CA")
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n")
    run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "ext.cnf")


def run(args: argparse.Namespace, checks: Checks, tmp: Path, procs: list[Process]) -> None:
    certificates(tmp)
    (tmp / "web.yml").write_text(
        "tls_server_config:\n"
        "  cert_file: server.crt\n"
        "  key_file: server.key\n"
        "http_server_config:\n"
        "  headers:\n"
        "    X-Content-Type-Options: nosniff\n"
        "basic_auth_users:\n"
        f"  prometheus: '{bcrypt_hash(PASSWORD)}'\n"
    )
    exporter_port, prom_port = free_port(), free_port()
    while prom_port == exporter_port:
        prom_port = free_port()
    exp = Process("exporter", [str(Path(args.exporter).resolve()), "--demo",
                               "--web.listen-address", f"{HOST}:{exporter_port}",
                               "--web.config.file", str(tmp / "web.yml")], tmp)
    procs.append(exp)
    (tmp / "right").write_text(PASSWORD)
    (tmp / "wrong").write_text("tr0ub4dor&3")
    target = f"['{HOST}:{exporter_port}']"

    def job(name: str, scheme: str, password_file: str | None) -> str:
        text = (f"  - job_name: {name}\n"
                f"    scheme: {scheme}\n"
                f"    static_configs:\n      - targets: {target}\n")
        if scheme == "https":
            text += f"    tls_config:\n      ca_file: {tmp / 'ca.crt'}\n"
        if password_file:
            text += (f"    basic_auth:\n      username: prometheus\n"
                     f"      password_file: {tmp / password_file}\n")
        return text

    (tmp / "prometheus.yml").write_text(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
        "scrape_configs:\n"
        + job("aws-backup-tls", "https", "right")
        + job("aws-backup-wrong-password", "https", "wrong")
        + job("aws-backup-plain-http", "http", "right")
    )
    (tmp / "data").mkdir()
    prom = Process("prometheus", [args.prometheus, f"--config.file={tmp / 'prometheus.yml'}",
                                  f"--storage.tsdb.path={tmp / 'data'}",
                                  f"--web.listen-address={HOST}:{prom_port}"], tmp)
    procs.append(prom)
    api = Prometheus(prom_port)
    up = wait_for("up over https", lambda: api.scalar('up{job="aws-backup-tls"}') == 1, args.timeout, [exp, prom])
    if not checks.record(bool(up), "Prometheus scrapes over https with basic auth: up == 1"):
        print(exp.tail(), flush=True)
        print(prom.tail(), flush=True)
        return
    jobs = wait_for("a series over https",
                    lambda: api.scalar('count(aws_backup_exporter_build_info{job="aws-backup-tls"})'),
                    args.timeout, [exp, prom])
    checks.record(jobs == 1, "the exporter's series arrive over https")

    def health(job_name: str) -> tuple[str, str] | None:
        targets = api.api("/api/v1/targets") or {}
        for t in (targets.get("data") or {}).get("activeTargets", []):
            if t.get("labels", {}).get("job") == job_name and t.get("health") != "unknown":
                return t.get("health", ""), t.get("lastError", "")
        return None

    wrong = wait_for("the wrong password scraped", lambda: health("aws-backup-wrong-password"), args.timeout, [prom])
    checks.record(bool(wrong) and wrong[0] == "down" and "401" in wrong[1],
                  "a wrong password is refused (401)", repr(wrong))
    plain = wait_for("plain http scraped", lambda: health("aws-backup-plain-http"), args.timeout, [prom])
    checks.record(bool(plain) and plain[0] == "down", "plain http to the TLS port is refused", repr(plain))
    checks.record(api.scalar('up{job="aws-backup-wrong-password"}') == 0, "up == 0 with the wrong password")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--exporter", required=True)
    ap.add_argument("--prometheus", default="/usr/bin/prometheus")
    ap.add_argument("--timeout", type=float, default=60.0)
    args = ap.parse_args(argv)
    checks = Checks()
    procs: list[Process] = []
    tmp = Path(tempfile.mkdtemp(prefix="aws-backup-tls-e2e-"))
    try:
        run(args, checks, tmp, procs)
    except Exception as e:  # noqa: BLE001 - report, clean up, fail
        checks.record(False, "run completed", f"{type(e).__name__}: {e}")
    finally:
        for p in reversed(procs):
            try:
                p.stop()
            except Exception as e:  # noqa: BLE001
                info(f"stopping {p.name}: {e}")
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{checks.passed} passed, {checks.failed} failed", flush=True)
    return 1 if checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
