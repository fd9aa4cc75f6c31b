"""FileMaker error codes the emulator returns, with their HTTP status, in one table."""

from __future__ import annotations

MESSAGES: dict[str, str] = {
    "-1": "Unknown error",
    "0": "OK",
    "3": "Command is unavailable (for example, wrong operating system or mode)",
    "5": "Command is invalid (for example, a Set Field script step does not have a "
         "calculation specified)",
    "10": "HTTP Authorization header or OAuth headers are missing.",
    "100": "File is missing",
    "101": "Record is missing",
    "102": "Field is missing",
    "104": "Script is missing",
    "105": "Layout is missing",
    "111": "Field repetition is invalid",
    "201": "Field cannot be modified",
    "212": "Invalid user account and/or password; please try again",
    "301": "Record is in use by another user",
    "306": "Record modification ID does not match",
    "400": "Find criteria are empty",
    "401": "No records match the request",
    "500": "Date value does not meet validation entry options",
    "501": "Time value does not meet validation entry options",
    "502": "Number value does not meet validation entry options",
    "504": "Value in field is not unique, as required in validation entry options",
    "509": "Field requires a valid value",
    "511": "Value in field exceeds maximum field size",
    "802": "Unable to open file",
    "812": "Exceeded host's capacity",
    "952": "Invalid FileMaker Data API token (*)",
    "953": "Exceeded limit on data the FileMaker Data API and OData can transmit (*)",
    "956": "Maximum number of database or Admin API sessions exceeded (*)",
    "960": "Parameter is invalid",
    "1708": "Parameter value is invalid (*)",
    "1710": "JSON input isn't syntactically valid (*)",
}

HTTP_401_CODES = frozenset({"10", "212", "952"})


def message_for(code: str) -> str:
    """The message FileMaker shows for ``code`` (a generic text when unknown)."""
    return MESSAGES.get(str(code), "Unknown error")


def http_status_for(code: str) -> int:
    """The HTTP status a FileMaker error ``code`` travels with: 401 for auth, 200 for 0, else 500."""
    code = str(code)
    if code == "0":
        return 200
    return 401 if code in HTTP_401_CODES else 500


class FMError(Exception):
    """A FileMaker error answered as the envelope; ``http_status`` defaults from the code."""

    def __init__(self, code: str | int, message: str | None = None,
                 http_status: int | None = None) -> None:
        self.code = str(code)
        self.message = message or message_for(self.code)
        self.http_status = http_status or http_status_for(self.code)
        super().__init__(f"{self.code} {self.message}")
