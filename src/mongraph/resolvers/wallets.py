"""Validate and normalise crypto wallet addresses (Ethereum with EIP-55, Solana base58).

Example:
    >>> normalize_wallet_address("ETH", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
    '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed'
    >>> normalize_wallet_address("SOL", "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T")
    '4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T'
"""

from __future__ import annotations

import re

from Crypto.Hash import keccak

from ..errors import BadInput

__all__ = ["normalize_wallet_address", "wallet_address"]

MAX_ADDRESS_LENGTH = 100

# Explicit ASCII classes (no \d, which matches any Unicode digit); used with fullmatch so a
# trailing newline is never accepted the way `$` would.
_ETH_RE = re.compile(r"0x[0-9a-fA-F]{40}")
# Bitcoin base58 alphabet: no 0, O, I or l.
_SOL_RE = re.compile(r"[1-9A-HJ-NP-Za-km-z]{32,44}")

_ETH_FORMAT = "an ETH address is 0x followed by 40 hexadecimal digits"
_ETH_CHECKSUM = "mixed-case ETH address fails its EIP-55 checksum"
_SOL_FORMAT = "a SOL address is 32 to 44 base58 characters"


def _eip55_valid(hex_digits: str) -> bool:
    """Whether mixed-case `hex_digits` (40 of them, no 0x) match their EIP-55 checksum."""
    lower = hex_digits.lower()
    digest = keccak.new(digest_bits=256, data=lower.encode("ascii")).hexdigest()
    for char, nibble in zip(hex_digits, digest, strict=False):
        if char.isalpha() and char.isupper() != (int(nibble, 16) >= 8):
            return False
    return True


def normalize_wallet_address(chain: str, address: str) -> str:
    """Validate `address` for `chain` ("ETH" or "SOL") and return its canonical form.

    ETH: ``0x`` and 40 hex digits. All-lower or all-upper hex is accepted as is; mixed case
    must pass the EIP-55 checksum. The result is lower-cased. SOL: 32 to 44 base58 characters,
    returned unchanged (base58 is case-sensitive). No surrounding whitespace is tolerated.

    Raises:
        ValueError: the chain is unknown or the address is not valid for it.

    Example:
        >>> normalize_wallet_address("ETH", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")
        '0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359'
    """
    # Cheap guards first: never run a regex or a hash over a huge or non-string input.
    if not isinstance(address, str):
        raise ValueError("a wallet address must be a string")
    if len(address) > MAX_ADDRESS_LENGTH:
        raise ValueError(f"a wallet address is at most {MAX_ADDRESS_LENGTH} characters")

    if chain == "ETH":
        if _ETH_RE.fullmatch(address) is None:
            raise ValueError(_ETH_FORMAT)
        hex_digits = address[2:]
        if hex_digits not in (hex_digits.lower(), hex_digits.upper()) and not _eip55_valid(
            hex_digits
        ):
            raise ValueError(_ETH_CHECKSUM)
        return address.lower()

    if chain == "SOL":
        if _SOL_RE.fullmatch(address) is None:
            raise ValueError(_SOL_FORMAT)
        return address

    raise ValueError('unknown chain: expected "ETH" or "SOL"')


def wallet_address(chain: str, address: str) -> str:
    """`normalize_wallet_address` for an input's `address`: `BAD_USER_INPUT` when invalid."""
    try:
        return normalize_wallet_address(chain, address)
    except ValueError as exc:
        raise BadInput(str(exc), field=("input", "address")) from exc
