"""Every default of the emulator, in one place."""

from __future__ import annotations

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000
DEFAULT_SCHEMA_PATH = "examples/filemaker-schema.toml"
DEFAULT_DATA_DIR = "var/emulator"
DEFAULT_SESSION_IDLE_S = 900.0
DEFAULT_SESSION_CAP = 20
DEFAULT_CLOCK_SCALE = 1.0
DEFAULT_LIMIT = 100
DEFAULT_OFFSET = 1
DEFAULT_STATS_WINDOW_S = 3600
DEFAULT_LOG_MEMORY_LINES = 2000
DEFAULT_STARTUP_TIMEOUT_S = 15.0
DEFAULT_MAX_SCRIPT_SLEEP_S = 10.0
DB_SUFFIX = ".fmp12"
TOKEN_BYTES = 26  # 52 lowercase hex characters

PRODUCT_INFO = {
    "name": "FileMaker Data API Engine",
    "buildDate": "12/08/2021",
    "version": "19.4.2.204",
    "dateFormat": "MM/dd/yyyy",
    "timeFormat": "HH:mm:ss",
    "timeStampFormat": "MM/dd/yyyy HH:mm:ss",
}
