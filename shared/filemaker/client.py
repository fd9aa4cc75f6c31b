"""The FileMaker Data API client: record, script and metadata calls over the shared pool.

Each call checks a token out of the Redis-shared :class:`SessionPool`, sends one request
through the :class:`Transport` choke point, and gives the token back. A 952 (token expired or
revoked) drops that token and tries the next; a call logs in at most once, so a fresh token
that is rejected again raises. Errors are outcome exceptions carrying the FileMaker code;
the client keeps no ``last_error``: it is safe to share between threads of one process.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import redis

from shared.config import FileMakerServer
from shared.errors import Outcome
from shared.filemaker import codes, shapes
from shared.filemaker.http import Exchange, Reply, Transport
from shared.filemaker.sessions import PoolTimings, SessionPool
from shared.filemaker.shapes import Found, Record, Script, Written
from shared.keys import Keys


class FileMakerClient:
    """One FileMaker database, shared by every worker through Redis."""

    def __init__(self, server: FileMakerServer, redis_client: redis.Redis, keys: Keys, *,
                 observer: Callable[[Exchange], None] | None = None,
                 timings: PoolTimings | None = None) -> None:
        self.server = server
        self.transport = Transport(server, observer=observer)
        self.pool = SessionPool(server, redis_client, keys, self.transport, timings=timings)

    # --- records ---

    def create(self, layout: str, field_data: Mapping[str, Any], *,
               script: Script | None = None, dateformats: int | None = None) -> Written:
        """Create a record; ``script`` runs after it, with the new record current.

        Raises:
            Outcome: classified FileMaker or transport failure; a failed script included.
        """
        body = shapes.record_body(field_data, script=script, dateformats=dateformats)
        reply = self._call("POST", self._layout(layout, "records"), body=body)
        return shapes.written(reply.response, script)

    def edit(self, layout: str, record_id: str, field_data: Mapping[str, Any], *,
             mod_id: str | None = None, script: Script | None = None,
             dateformats: int | None = None) -> Written:
        """Change the given fields of one record (others stay as they are).

        Raises:
            Outcome: classified failure (101 record missing, 301 locked, 306 mod id...).
        """
        body = shapes.record_body(field_data, script=script, dateformats=dateformats,
                                  mod_id=mod_id)
        reply = self._call("PATCH", self._layout(layout, "records", record_id), body=body)
        written = shapes.written(reply.response, script)
        return shapes.Written(record_id, written.mod_id, written.script_result)

    def find(self, layout: str, query: Sequence[Mapping[str, Any]], *,
             limit: int | None = None, script: Script | None = None,
             dateformats: int | None = None) -> list[Record]:
        """Records matching ``query`` (FileMaker find requests); no match is ``[]``.

        Raises:
            Outcome: classified failure other than 401 (no records match); a failed script.
        """
        return self.find_set(layout, query, limit=limit, script=script,
                             dateformats=dateformats).records

    def find_set(self, layout: str, query: Sequence[Mapping[str, Any]], *,
                 limit: int | None = None, script: Script | None = None,
                 dateformats: int | None = None) -> Found:
        """Like :meth:`find`, with the ``scriptResult`` of an attached script.

        Raises:
            Outcome: classified failure other than 401 (no records match); a failed script.
        """
        body = shapes.find_body(query, limit=limit, script=script, dateformats=dateformats)
        try:
            reply = self._call("POST", self._layout(layout, "_find"), body=body,
                               idempotent=True)
        except Outcome as exc:
            if exc.code == codes.NO_MATCH:
                return Found([])
            raise
        result = shapes.check_scripts(reply.response, script.name if script else None)
        return Found(shapes.records(reply.response), result)

    def get(self, layout: str, record_id: str) -> Record:
        """One record by its id.

        Raises:
            Outcome: classified failure (101 when the record does not exist).
        """
        reply = self._call("GET", self._layout(layout, "records", record_id))
        found = shapes.records(reply.response)
        if not found:
            raise codes.error_for("101", f"record {record_id} is missing")
        return found[0]

    def delete(self, layout: str, record_id: str) -> None:
        """Delete one record.

        Raises:
            Outcome: classified failure.
        """
        self._call("DELETE", self._layout(layout, "records", record_id))

    # --- scripts ---

    def run_script(self, layout: str, script: str, param: str | None = None) -> str | None:
        """Run a script through the dedicated GET route; returns its ``scriptResult``.

        The parameter travels in the URL: see :meth:`script_url_length`.

        Raises:
            Outcome: the request failed, or the script's ``scriptError`` was not "0".
        """
        params = None if param is None else {"script.param": param}
        reply = self._call("GET", self._layout(layout, "script", script), params=params)
        return shapes.check_scripts(reply.response, script)

    def script_url_length(self, layout: str, script: str, param: str | None) -> int:
        """How long the URL of :meth:`run_script` would be, in characters."""
        query = shapes.script_query(param)
        url = self.transport.base_url + self._layout(layout, "script", script)
        return len(url) + (len(query) + 1 if query else 0)

    # --- metadata ---

    def layout_metadata(self, layout: str) -> Mapping[str, Any]:
        """The layout's ``fieldMetaData``, ``portalMetaData`` and ``valueLists``.

        Raises:
            Outcome: classified failure (105 when the layout does not exist).
        """
        return self._call("GET", self._layout(layout)).response

    def layouts(self) -> list[str]:
        """Every layout name, folders flattened."""
        reply = self._call("GET", self.transport.database_path("layouts"))
        return shapes.names(reply.response.get("layouts") or (), "folderLayoutNames")

    def scripts(self) -> list[str]:
        """Every script name, folders flattened."""
        reply = self._call("GET", self.transport.database_path("scripts"))
        return shapes.names(reply.response.get("scripts") or (), "folderScriptNames")

    def close(self) -> None:
        """Log out the sessions this process opened (if idle) and close connections."""
        try:
            self.pool.close()
        finally:
            self.transport.close()

    # --- the one way a call goes out ---

    def _layout(self, layout: str, *rest: str) -> str:
        return self.transport.database_path("layouts", layout, *rest)

    def _call(self, method: str, path: str, **kwargs: Any) -> Reply:
        """Send one authenticated request; on 952 drop the token and use the next.

        Raises:
            Outcome: classified failure; a 952 from a freshly logged-in token included.
        """
        for _ in range(self.server.max_sessions + 1):
            lease = self.pool.acquire()
            try:
                reply = self.transport.request(method, path, token=lease.token, **kwargs)
            except Outcome as exc:
                if exc.code != codes.TOKEN_INVALID:
                    self.pool.release(lease)
                    raise
                self.pool.discard(lease)
                if lease.fresh:
                    raise
                continue
            except BaseException:
                self.pool.release(lease)
                raise
            self.pool.release(lease)
            return reply
        raise codes.error_for(codes.TOKEN_INVALID, "every pooled token was rejected", 401)

    def __enter__(self) -> "FileMakerClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["FileMakerClient", "Found", "Record", "Script", "Written"]
