"""Accept-Language negotiation and the English and Czech texts of CareCloud's error messages.

The spec gives ``Accept-Language`` the default ``cs, en-gb;q=0.8``, so a request without the
header gets Czech, as it would from a Czech-configured project. A header that names no language
the sandbox speaks falls back to English (the sandbox's choice; the docs are silent).
"""

from __future__ import annotations

LANGUAGES = ("cs", "en")
DEFAULT_ACCEPT_LANGUAGE = "cs, en-gb;q=0.8"
FALLBACK = "en"


def negotiate(header: str | None) -> str:
    """The best of ``LANGUAGES`` for an ``Accept-Language`` value (RFC 9110 q-values)."""
    if header is None or not header.strip():
        header = DEFAULT_ACCEPT_LANGUAGE
    best, best_q = FALLBACK, 0.0
    for item in header.split(",")[:50]:
        tag, _, params = item.strip().partition(";")
        tag = tag.strip().lower()
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if not 0.0 < q <= 1.0:
            continue
        primary = tag.split("-", 1)[0]
        language = LANGUAGES[0] if tag == "*" else primary
        # Strictly greater: of equal q-values, the one the client wrote first wins.
        if language in LANGUAGES and q > best_q:
            best, best_q = language, q
    return best


# (title, detail) per error kind; details are str.format templates.
MESSAGES: dict[str, dict[str, tuple[str, str]]] = {
    "invalid_parameters": {
        "en": ("Bad input parameter", "Invalid input parameters: {names}."),
        "cs": ("Chybný vstupní parametr", "Neplatné vstupní parametry: {names}."),
    },
    "unauthorized": {
        "en": ("Unauthorized", "The request has no valid authentication token."),
        "cs": ("Neautorizovaný přístup", "Požadavek neobsahuje platný autentizační token."),
    },
    "token_expired": {
        "en": ("Unauthorized", "The authentication token expired at {valid_to}."),
        "cs": ("Neautorizovaný přístup", "Platnost autentizačního tokenu vypršela {valid_to}."),
    },
    "invalid_customer_credentials": {
        "en": ("Unauthorized", "The login or the password of the customer is not valid."),
        "cs": ("Neautorizovaný přístup", "Přihlašovací jméno nebo heslo zákazníka není platné."),
    },
    "interface_not_allowed": {
        "en": (
            "{interface} API is not allowed for this resource",
            'Resource name "{resource}" is not allowed in {interface} API',
        ),
        "cs": (
            "{interface} API není pro tento zdroj povoleno",
            'Zdroj "{resource}" není v {interface} API povolen',
        ),
    },
    "customer_not_logged_in": {
        "en": ("Customer is not logged in", "Log a customer in to this token first."),
        "cs": ("Zákazník není přihlášen", "Nejprve k tomuto tokenu přihlaste zákazníka."),
    },
    "token_mismatch": {
        "en": ("Forbidden", "The token in the path does not match the Authorization header."),
        "cs": ("Přístup odepřen", "Token v cestě neodpovídá hlavičce Authorization."),
    },
    "not_found": {
        "en": ("Resource not found", 'Record "{resource_id}" of resource "{resource}" not found.'),
        "cs": ("Zdroj nenalezen", 'Záznam "{resource_id}" zdroje "{resource}" nebyl nalezen.'),
    },
    "route_not_found": {
        "en": ("Resource not found", 'Resource "{resource}" does not exist.'),
        "cs": ("Zdroj nenalezen", 'Zdroj "{resource}" neexistuje.'),
    },
    "method_not_allowed": {
        "en": ("Method not allowed", 'HTTP method "{method}" is not allowed for this resource.'),
        "cs": ("Metoda není povolena", 'HTTP metoda "{method}" není pro tento zdroj povolena.'),
    },
    "not_emulated": {
        "en": (
            "Not implemented in the sandbox",
            "{method} {template} exists in CareCloud; the Crossdock sandbox does not emulate it.",
        ),
        "cs": (
            "Sandbox tuto operaci neimplementuje",
            "{method} {template} v CareCloudu existuje, ale sandbox Crossdocku ji neemuluje.",
        ),
    },
    "too_many_requests": {
        "en": ("Too many requests", "The request limit was exceeded; retry later."),
        "cs": ("Příliš mnoho požadavků", "Byl překročen limit požadavků; opakujte později."),
    },
    "internal_server_error": {
        "en": ("Internal server error", "The server is not working as expected."),
        "cs": ("Interní chyba serveru", "Server nepracuje podle očekávání."),
    },
    "service_unavailable": {
        "en": ("Service unavailable", "The service is temporarily unavailable."),
        "cs": ("Služba není dostupná", "Služba je dočasně nedostupná."),
    },
    "http_error": {
        "en": ("HTTP error {status}", "The request failed with HTTP status {status}."),
        "cs": ("HTTP chyba {status}", "Požadavek selhal se stavem HTTP {status}."),
    },
}

# Messages of the generic invalid_params reasons (and the sandbox's few specific ones).
REASONS: dict[str, dict[str, str]] = {
    "required": {"en": "The parameter is required.", "cs": "Parametr je povinný."},
    "empty": {"en": "The parameter must not be empty.", "cs": "Parametr nesmí být prázdný."},
    "not_found": {
        "en": "No record with this value exists.",
        "cs": "Záznam s touto hodnotou neexistuje.",
    },
    "already_exists": {
        "en": "A record with this value already exists.",
        "cs": "Záznam s touto hodnotou již existuje.",
    },
    "not_allowed_value": {
        "en": "The value is not allowed.",
        "cs": "Hodnota není povolena.",
    },
    "invalid_value_format": {
        "en": "The value has an invalid format.",
        "cs": "Hodnota má neplatný formát.",
    },
    "deleted": {"en": "The record is deleted.", "cs": "Záznam je smazaný."},
    "not_belong_to_logged_in_customer": {
        "en": "The record does not belong to the logged-in customer.",
        "cs": "Záznam nepatří přihlášenému zákazníkovi.",
    },
}


def message(kind: str, language: str, **args: object) -> tuple[str, str]:
    title, detail = MESSAGES[kind][language]
    return title.format(**args), detail.format(**args)


def reason_message(reason: str, language: str) -> str:
    texts = REASONS.get(reason)
    return texts[language] if texts else reason
