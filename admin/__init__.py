"""The support console: server-rendered pages and a JSON admin API over the dead-letter
store and the event store. Served by ``hookmaker admin`` (its own process and port)."""
