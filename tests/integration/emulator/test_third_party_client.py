"""python-fmrest (a real Data API client no one here wrote), used unchanged, against the
emulator on port 3000 (python-fmrest accepts plain http only on a URL ending in ``:3000``).

The client runs in its own interpreter: this one when ``fmrest`` is importable, else
``$FMREST_PYTHON``, else a cached venv made with pip (python-fmrest==1.8.0).
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import venv
from pathlib import Path

from emulator.testing import EXAMPLE_SCHEMA, EmulatorProcess
from hookmaker.processes import wait_until

FMREST_VERSION = "1.8.0"
CACHED_VENV = Path("/tmp/hookmaker-fmrest-venv")
PORT = 3000

SCENARIO = r'''
import io, json, sys, warnings
import fmrest
from fmrest.exceptions import FileMakerError

out = {}
fms = fmrest.Server("http://127.0.0.1:3000", user="hookmaker", password="hookmaker-dev",
                    database="Hookmaker", layout="Inbox", api_version="vLatest")
out["token"] = fms.login()
out["product"] = fms.get_product_info()["name"]
rid = fms.create_record({"EventId": "evt_fmrest", "Source": "stripe", "Payload": "{}"})
out["created"] = rid
record = fms.get_record(rid)
out["got"] = [record.EventId, record.Source, record.record_id, record.modification_id]
found = fms.find([{"EventId": "==evt_fmrest"}])
out["found"] = [r.EventId for r in found]
try:
    fms.find([{"EventId": "==nothing"}])
    out["no_match"] = None
except FileMakerError:
    out["no_match"] = fms.last_error
out["edited"] = fms.edit_record(rid, {"Route": "orders"})
out["after_edit"] = [fms.get_record(rid).Route, fms.get_record(rid).modification_id]
out["script"] = list(fms.perform_script("Echo", "hello"))
out["script_error"] = list(fms.perform_script("Fail", "3"))
created = fms.create_record({"EventId": "evt_2"}, scripts={"after": ["Echo", "after!"]})
out["after_script"] = fms.last_script_result
out["globals"] = fms.set_globals({"Inbox::gLastSource": "github"})
out["global_value"] = fms.get_record(rid).gLastSource
out["uploaded"] = fms.upload_container(rid, "Attachment", io.BytesIO(b"abc"))
out["records"] = len(list(fms.get_records(limit=10)))
out["layouts"] = [l["name"] for l in fms.get_layouts()]
out["scripts"] = [s["name"] for s in fms.get_scripts()]
out["deleted"] = fms.delete_record(rid)
try:
    fms.get_record(rid)
    out["missing"] = None
except FileMakerError:
    out["missing"] = fms.last_error
out["logout"] = fms.logout()
print(json.dumps(out))
'''


def fmrest_python(tmp_root: Path) -> str:
    """An interpreter that can import fmrest (making a cached venv if needed)."""
    if importlib.util.find_spec("fmrest") is not None:
        return sys.executable
    if os.environ.get("FMREST_PYTHON"):
        return os.environ["FMREST_PYTHON"]
    python = CACHED_VENV / "bin" / "python"
    if not python.exists() or subprocess.run([str(python), "-c", "import fmrest"]).returncode:
        venv.EnvBuilder(with_pip=True, clear=True).create(CACHED_VENV)
        done = subprocess.run([str(python), "-m", "pip", "install", "-q",
                               f"python-fmrest=={FMREST_VERSION}"],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (
            f"python-fmrest is needed for this test and could not be installed "
            f"(pip install python-fmrest=={FMREST_VERSION}, or set FMREST_PYTHON):\n"
            f"{done.stderr[-2000:]}")
    return str(python)


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_python_fmrest_full_cycle(tmp_path: Path) -> None:
    python = fmrest_python(tmp_path)
    assert port_is_free(PORT), (
        f"port {PORT} is taken: python-fmrest only speaks plain http to a URL ending in "
        f":{PORT}, so this test needs that port free (stop whatever listens there)")
    with EmulatorProcess(EXAMPLE_SCHEMA, tmp_path / "data", port=PORT) as emu:
        done = subprocess.run([python, "-W", "ignore", "-c", SCENARIO], capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        assert emu.records("Hookmaker", "Inbox")[0]["fieldData"]["EventId"] == "evt_2"
    assert len(out["token"]) == 52
    assert out["product"] == "FileMaker Data API Engine"
    assert out["created"] == 1
    assert out["got"] == ["evt_fmrest", "stripe", 1, 0]
    assert out["found"] == ["evt_fmrest"]
    assert out["no_match"] == 401
    assert out["edited"] is True and out["after_edit"] == ["orders", 1]
    assert out["script"] == [0, "hello"]
    assert out["script_error"] == [3, None]
    assert out["after_script"] == {"after": [0, "after!"]}
    assert out["globals"] is True and out["global_value"] == "github"
    assert out["uploaded"] is True
    assert out["records"] == 2
    assert "Inbox" in out["layouts"] and "Import JSON" in out["scripts"]
    assert out["deleted"] is True and out["missing"] == 101
    assert out["logout"] is True


def test_the_default_port_is_3000(tmp_path: Path) -> None:
    """Clients such as python-fmrest speak plain http only to ``:3000``: it is the default."""
    from emulator.cli import READY_PREFIX  # noqa: PLC0415
    from emulator.testing import REPO_ROOT  # noqa: PLC0415
    assert port_is_free(PORT), f"port {PORT} is taken: stop whatever listens there"
    out = tmp_path / "stdout"
    with out.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "emulator", "--schema",
                                 str(EXAMPLE_SCHEMA), "--data", str(tmp_path / "data")],
                                stdout=sink, cwd=REPO_ROOT)
    try:
        wait_until(lambda: READY_PREFIX in out.read_text(), timeout_s=30, what="emulator",
                   proc=proc, log=out)
        ready = next(line for line in out.read_text().splitlines()
                     if line.startswith(READY_PREFIX))
        assert ready[len(READY_PREFIX):].strip() == f"http://127.0.0.1:{PORT}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
