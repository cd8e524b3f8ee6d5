"""One router per resource of the Commerce Connect API."""
