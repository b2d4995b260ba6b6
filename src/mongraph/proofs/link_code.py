"""Link code text: 10 symbols of Crockford's base32 (50 bits), shown as `XXXXX-XXXXX`.

Example:
    >>> normalize_code("abcde-fghjk") == normalize_code("ABCDEFGHJK")
    True
    >>> normalize_code("0O1IL-22222") == normalize_code("00111-22222")
    True
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["CODE_BITS", "code_hash", "new_code", "normalize_code"]

# Crockford's base32: no I, L, O or U; read back leniently (O as 0, I and L as 1).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10
CODE_BITS = LENGTH * 5
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1", "-": None, " ": None})


def new_code() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{symbols[:5]}-{symbols[5:]}"


def normalize_code(text: str) -> str | None:
    """The code's canonical symbols, or None when `text` cannot be a code."""
    symbols = text.upper().translate(_READ_AS)
    if len(symbols) != LENGTH or any(s not in ALPHABET for s in symbols):
        return None
    return symbols


def code_hash(symbols: str, secret: str) -> str:
    """What is stored of a code: an HMAC-SHA-256 of its canonical symbols under a key
    derived from the server's secret. A plain hash of 50 bits could be brute-forced
    offline by anyone who reads the database within a code's ten minutes."""
    key = hashlib.sha256(b"mongraph link codes\0" + secret.encode()).digest()
    return hmac.new(key, symbols.encode(), hashlib.sha256).hexdigest()
