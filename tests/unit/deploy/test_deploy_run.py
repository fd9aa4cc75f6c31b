"""Run the systemd units' ``ExecStart`` and the Procfile's processes for real.

Each runs as a subprocess the way its platform would start it: the unit's environment and
environment file (filled in for this test's Redis and FileMaker emulator), its specifiers
expanded, its paths moved under a temporary root, servers on 127.0.0.1. Each must come up
(the ingress answers /readyz, the worker logs ``ready.`` and passes ``worker-health``) and
must exit cleanly on SIGTERM within the time its platform allows before SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import requests

from deployfiles import (
    ENV_EXAMPLE, HOST_ENV_FILE, PRODUCTION_CONFIG, ROOT, env_file_names, expand_specifiers,
    procfile, resolve, shell_expand, systemd_units, timespan_s, toml_env_refs,
)
from hookmaker.processes import free_port, spawn, wait_until

VENV_BIN = Path(sys.executable).parent
HEROKU_STOP_S = 30          # a Procfile platform's SIGTERM-to-SIGKILL time (Heroku, Dokku)
START_TIMEOUT_S = 40


@dataclass
class Running:
    name: str
    kind: str                     # "ingress" or "worker"
    proc: subprocess.Popen
    log: Path
    stop_timeout_s: float
    signal_group: bool            # SIGTERM every process (Procfile) or the main one (mixed)


def _host(tmp_path: Path, redis_url: str, filemaker_url: str) -> tuple[Path, dict[str, str]]:
    """A machine under tmp_path: /etc/hookmaker with the production config pointed at this
    test's emulator, and the environment file filled in."""
    etc = tmp_path / "etc" / "hookmaker"
    etc.mkdir(parents=True)
    text = PRODUCTION_CONFIG.read_text(encoding="utf-8")
    text = text.replace('url = "https://filemaker.example.com"', f'url = "{filemaker_url}"')
    assert filemaker_url in text
    (etc / "hookmaker.toml").write_text(text, encoding="utf-8")
    values = {name: f"deploy-test-{name.lower()}" for name in toml_env_refs(text)}
    values["FILEMAKER_PASSWORD"] = (ROOT / "examples" / "secrets" / "filemaker-password") \
        .read_text(encoding="utf-8").strip()
    values["REDIS_URL"] = redis_url
    assert set(values) == set(env_file_names(ENV_EXAMPLE)), "the env file has what it needs"
    (etc / "hookmaker.env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    return etc, values


def _relocate(text: str, root: Path) -> str:
    """Move the unit's absolute paths under ``root``; the install lives in this venv."""
    text = text.replace("/opt/hookmaker/bin/", f"{VENV_BIN}/")
    for prefix in ("/etc/hookmaker", "/var/lib/hookmaker", "/run/"):
        text = text.replace(prefix, f"{root}{prefix}")
    return text.replace("0.0.0.0:", "127.0.0.1:")


def _clean_env(extra: dict[str, str]) -> dict[str, str]:
    """What a service manager hands a process: a bare PATH and locale, plus the unit's."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", **extra}


def _start_systemd(tmp_path: Path, redis_url: str, filemaker_url: str) -> list[Running]:
    etc, _ = _host(tmp_path, redis_url, filemaker_url)
    started = []
    for unit in systemd_units():
        instance = str(free_port()) if unit.path.name.endswith("@.service") else ""
        expand = lambda s: _relocate(expand_specifiers(s, instance=instance), tmp_path)  # noqa: E731
        env = {k: expand(v) for k, v in unit.environment().items()}
        env_file = Path(expand(unit.one("Service", "EnvironmentFile").lstrip("-")))
        assert env_file == etc / Path(HOST_ENV_FILE).name
        env.update(env_file_names(env_file))
        for key in ("StateDirectory", "RuntimeDirectory"):
            base = {"StateDirectory": "var/lib", "RuntimeDirectory": "run"}[key]
            for value in unit.all("Service", key):
                (tmp_path / base / expand_specifiers(value, instance=instance)).mkdir(
                    parents=True, exist_ok=True)
        argv = expand(unit.one("Service", "ExecStart")).split()
        if resolve(argv).path == ("ingress",):
            argv = [a.replace(":8080", f":{free_port()}") for a in argv]
        cwd = Path(expand(unit.one("Service", "WorkingDirectory")))
        log = tmp_path / f"{unit.path.stem}.log"
        proc = spawn(argv, log=log, env=_clean_env(env), cwd=cwd)
        started.append(Running(unit.path.name, resolve(argv).path[0], proc, log,
                               timespan_s(unit.one("Service", "TimeoutStopSec")),
                               signal_group=False))
    return started


def _start_procfile(tmp_path: Path, redis_url: str, filemaker_url: str) -> list[Running]:
    etc, values = _host(tmp_path, redis_url, filemaker_url)
    work = tmp_path / "app"
    work.mkdir()
    started = []
    for name, line in procfile().items():
        # The platform's config vars, and the app's bin on PATH (as a buildpack sets it).
        env = _clean_env({**values, "HOOKMAKER_CONFIG": str(etc / "hookmaker.toml"),
                          "PORT": str(free_port())})
        env["PATH"] = f"{VENV_BIN}:{env['PATH']}"
        log = tmp_path / f"procfile-{name}.log"
        proc = spawn(["/bin/sh", "-c", line.replace("0.0.0.0:", "127.0.0.1:")], log=log,
                     env=env, cwd=work)
        kind = resolve(shell_expand(line, env)).path[0]
        started.append(Running(f"Procfile {name}", kind, proc, log, HEROKU_STOP_S,
                               signal_group=True))
    return started


def _argv(proc: subprocess.Popen) -> list[str]:
    return Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode().split("\0")[:-1]


def _wait_up(running: Running, tmp_path: Path) -> None:
    if running.kind == "ingress":
        bind = _bind_of(running)
        wait_until(lambda: _ok(f"http://{bind}/readyz"), timeout_s=START_TIMEOUT_S,
                   what=running.name, proc=running.proc, log=running.log)
        assert requests.get(f"http://{bind}/healthz", timeout=5).status_code == 200
        return
    wait_until(lambda: "ready." in running.log.read_text(errors="replace"),
               timeout_s=START_TIMEOUT_S, what=running.name, proc=running.proc, log=running.log)


def _bind_of(running: Running) -> str:
    """The address gunicorn listens on, as it logs it (the Procfile's comes from $PORT)."""
    def listening() -> bool:
        return "Listening at: http://" in running.log.read_text(errors="replace")
    wait_until(listening, timeout_s=START_TIMEOUT_S, what=running.name, proc=running.proc,
               log=running.log)
    text = running.log.read_text(errors="replace")
    return text.split("Listening at: http://", 1)[1].split()[0]


def _ok(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def _live_in_group(pgid: int) -> list[int]:
    """Processes of the group still running (zombies waiting for a reaper do not count)."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive


def _stop(running: Running) -> tuple[int | None, float, list[int]]:
    """SIGTERM as the platform sends it; (exit code, seconds taken, processes left)."""
    pgid = running.proc.pid
    started = time.monotonic()
    if running.signal_group:
        os.killpg(pgid, signal.SIGTERM)
    else:
        running.proc.send_signal(signal.SIGTERM)
    try:
        code = running.proc.wait(timeout=running.stop_timeout_s)
    except subprocess.TimeoutExpired:
        code = None
    elapsed = time.monotonic() - started
    deadline = time.monotonic() + 5
    while _live_in_group(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _live_in_group(pgid)
    try:
        os.killpg(pgid, signal.SIGKILL)     # what the platform does after the timeout
    except ProcessLookupError:
        pass
    running.proc.wait(timeout=5)
    return code, elapsed, left


def _run_and_stop(started: list[Running], tmp_path: Path, check_up) -> None:
    try:
        for running in started:
            _wait_up(running, tmp_path)
        check_up(started)
    except BaseException:
        for running in started:
            _stop(running)
        raise
    with ThreadPoolExecutor(len(started)) as pool:
        results = dict(zip([r.name for r in started], pool.map(_stop, started)))
    for running in started:
        code, elapsed, left = results[running.name]
        log = running.log.read_text(errors="replace")[-3000:]
        assert code == 0, f"{running.name} exited with {code} after SIGTERM\n{log}"
        assert elapsed < running.stop_timeout_s, f"{running.name} took {elapsed:.1f} s"
        assert not left, f"{running.name} left processes {left} behind\n{log}"


def test_systemd_units_run_and_stop_cleanly(tmp_path: Path, redis_url: str, redis_client,
                                            emulator) -> None:
    started = _start_systemd(tmp_path, redis_url, emulator.url)

    def check_up(started: list[Running]) -> None:
        worker = next(r for r in started if r.name.startswith("hookmaker-worker@"))
        argv = _argv(worker.proc)
        heartbeat = argv[argv.index("--heartbeat-file") + 1]
        # the liveness check of the unit's comment (and of the k8s probes), for real
        wait_until(lambda: subprocess.run(
            [str(VENV_BIN / "hookmaker"), "worker-health", "--heartbeat-file", heartbeat],
            capture_output=True, env=_clean_env({}), timeout=30).returncode == 0,
            timeout_s=20, what="worker-health", proc=worker.proc, log=worker.log)
        metrics_bind = argv[argv.index("--metrics-bind") + 1]
        assert metrics_bind.startswith("127.0.0.1:")
        wait_until(lambda: _ok(f"http://{metrics_bind}/metrics"), timeout_s=20,
                   what="worker /metrics", proc=worker.proc, log=worker.log)
        scrape = requests.get(f"http://{metrics_bind}/metrics", timeout=5).text
        for name in ("hookmaker_queue_depth", "hookmaker_oldest_pending_age_seconds"):
            assert name in scrape, f"{name} missing from the worker's /metrics"

    _run_and_stop(started, tmp_path, check_up)


def test_procfile_processes_run_and_stop_cleanly(tmp_path: Path, redis_url: str, redis_client,
                                                 emulator) -> None:
    started = _start_procfile(tmp_path, redis_url, emulator.url)
    _run_and_stop(started, tmp_path, lambda started: None)
