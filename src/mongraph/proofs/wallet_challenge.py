"""What a wallet owner signs: EIP-4361 (Sign-In with Ethereum) text for ETH, the same facts
in plain text for SOL; and checking the signature with the chain's own libraries."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from urllib.parse import urlsplit

import base58
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_keys.exceptions import BadSignature
from eth_utils.address import to_checksum_address
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

__all__ = [
    "SignatureFormatError",
    "challenge_message",
    "is_solana_key",
    "new_nonce",
    "signature_matches",
]

STATEMENT = "Add this wallet to your mongraph account."
_ETH_SIGNATURE = re.compile(r"(0x)?[0-9a-fA-F]{130}")
_BASE58 = re.compile(r"[1-9A-HJ-NP-Za-km-z]{64,90}")


class SignatureFormatError(ValueError):
    """The signature is not even of the chain's form (hex for ETH, base58 for SOL)."""


def new_nonce() -> str:
    """EIP-4361 wants at least 8 alphanumeric characters; these are 32 (128 bits)."""
    return secrets.token_hex(16)


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def challenge_message(
    *,
    chain: str,
    address: str,
    public_url: str,
    nonce: str,
    issued_at: datetime,
    expires_at: datetime,
) -> str:
    """The exact text to sign. `address` is the stored (normalized) form."""
    domain = urlsplit(public_url).netloc
    facts = [
        f"URI: {public_url}",
        *(["Version: 1", "Chain ID: 1"] if chain == "ETH" else []),
        f"Nonce: {nonce}",
        f"Issued At: {_timestamp(issued_at)}",
        f"Expiration Time: {_timestamp(expires_at)}",
    ]
    if chain == "ETH":
        head = f"{domain} wants you to sign in with your Ethereum account:\n"
        head += to_checksum_address(address)
    else:
        head = f"{domain} wants you to sign in with your Solana account:\n{address}"
    return f"{head}\n\n{STATEMENT}\n\n" + "\n".join(facts)


def is_solana_key(address: str) -> bool:
    """Whether a (well-formed) SOL address decodes to a 32-byte ed25519 public key."""
    return len(base58.b58decode(address)) == 32


def signature_matches(chain: str, address: str, message: str, signature: str) -> bool:
    """ETH: the EIP-191 `personal_sign` signer recovered from the signature is the address.
    SOL: the ed25519 signature (base58) verifies under the address's public key.

    Raises:
        SignatureFormatError: the signature is not hex (ETH) or base58 (SOL) of its length.
    """
    if chain == "ETH":
        if _ETH_SIGNATURE.fullmatch(signature) is None:
            raise SignatureFormatError("an ETH signature is 65 bytes in hex (0x + 130 digits)")
        try:
            signer = Account.recover_message(encode_defunct(text=message), signature=signature)
        except (BadSignature, ValueError):
            return False
        return bool(signer == to_checksum_address(address))
    if _BASE58.fullmatch(signature) is None or len(base58.b58decode(signature)) != 64:
        raise SignatureFormatError("a SOL signature is 64 bytes in base58")
    try:
        VerifyKey(base58.b58decode(address)).verify(message.encode(), base58.b58decode(signature))
    except BadSignatureError:
        return False
    return True
