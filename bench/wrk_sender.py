"""Send each of a list of pre-signed webhooks exactly once, from ``wrk`` (C, cheap).

The end-to-end benchmark uses it so that the machine's two cores go to Hookmaker, not to a
Python load generator: a Python sender costs about as much CPU per request as the ingress.
The caller signs every request just before (well inside any timestamp tolerance). Each wrk
thread sends its share once, counts the answers that carry an event id (``{"id": ...}``:
202 or 200 duplicate), and stops.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Mapping, Sequence

SCRIPT = """
local reqs = {%(requests)s}
local threads = {}
function setup(thread)
  local share = math.ceil(#reqs / %(threads)d)
  local first = #threads * share + 1
  thread:set("first", first)
  thread:set("last", math.min(#reqs, first + share - 1))
  table.insert(threads, thread)
end
function init(args)
  nxt, acked, answered = first, 0, 0
  checking = first == 1          -- wrk calls thread 1's request() once to check it
end
function request()
  if nxt > last then return wrk.format("GET", "/healthz") end
  local r = reqs[nxt]
  if checking then checking = false else nxt = nxt + 1 end
  return wrk.format("POST", "%(path)s", r[1], r[2])
end
function response(status, headers, body)
  if finished then return end
  if string.find(body, '"id"', 1, true) then
    answered = answered + 1
    if status >= 200 and status < 300 then acked = acked + 1 end
  elseif status ~= 200 then
    answered = answered + 1          -- a refused POST (problem+json) ends its send too
  end
  if answered >= last - first + 1 then
    finished = true
    local f = io.open("%(done_dir)s/" .. first, "w")
    f:write(acked)
    f:close()
    wrk.thread:stop()
  end
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def _lua(text: str | bytes) -> str:
    """A Lua long string holding ``text`` verbatim (its level chosen so nothing closes it)."""
    value = text.decode() if isinstance(text, bytes) else text
    level = 1
    while f"]{'=' * level}]" in value:
        level += 1
    return f"[{'=' * level}[{value}]{'=' * level}]"


def send_once(url: str, path: str, requests: Sequence[tuple[Mapping[str, str], bytes]], *,
              connections: int = 8, threads: int = 2, timeout_s: int = 300) -> dict:
    """POST every (headers, body) once to ``url + path``; returns acknowledged and seconds."""
    entries = ",".join(
        "{{" + ",".join(f"[ {_lua(k)} ]={_lua(v)}" for k, v in headers.items()) + "},"
        + _lua(body) + "}" for headers, body in requests)
    with tempfile.TemporaryDirectory(prefix="wrk-send-") as tmp:
        script, done_dir = Path(tmp) / "send.lua", Path(tmp) / "done"
        done_dir.mkdir()
        script.write_text(SCRIPT % {"requests": entries, "threads": threads, "path": path,
                                    "done_dir": done_dir})
        started = time.monotonic()
        # wrk sleeps its whole duration even when every thread has stopped; SIGINT ends it.
        proc = subprocess.Popen(["wrk", "-t", str(threads), "-c", str(connections),
                                 "-d", f"{timeout_s}s", "-s", str(script), url],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = started + timeout_s
        while len(list(done_dir.iterdir())) < threads and proc.poll() is None \
                and time.monotonic() < deadline:
            time.sleep(0.01)
        took_s = time.monotonic() - started
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        shares = [int(f.read_text() or 0) for f in done_dir.iterdir()]
    if len(shares) < threads:
        raise RuntimeError(f"wrk did not send everything in {timeout_s} s:\n{out}\n{err}")
    return {"acknowledged": sum(shares), "seconds": took_s}
