"""Tests for wallet address validation: EIP-55 vectors, base58 rules, hostile inputs."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from Crypto.Hash import keccak

from mongraph.resolvers.wallets import normalize_wallet_address

# The mixed-case test vectors from EIP-55 itself.
EIP55_MIXED = [
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]
# EIP-55's "all caps" and "all lower" vectors.
EIP55_ALL_UPPER = [
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
]
EIP55_ALL_LOWER = [
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
]

BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
SOL_VALID = "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T"

ETH_FORMAT = "0x followed by 40 hexadecimal digits"
ETH_CHECKSUM = "EIP-55 checksum"
SOL_FORMAT = "32 to 44 base58 characters"


def _flip(address: str, index: int) -> str:
    char = address[index]
    return address[:index] + char.swapcase() + address[index + 1 :]


def test_keccak_is_not_sha3() -> None:
    # EIP-55 needs the original Keccak-256, whose padding differs from FIPS-202 SHA3-256.
    empty_keccak = keccak.new(digest_bits=256).hexdigest()
    assert empty_keccak == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    assert empty_keccak != hashlib.sha3_256(b"").hexdigest()


# --- ETH: accepted ---------------------------------------------------------------------------


@pytest.mark.parametrize("address", EIP55_MIXED)
def test_eth_eip55_vectors_are_accepted_and_lower_cased(address: str) -> None:
    assert normalize_wallet_address("ETH", address) == address.lower()


@pytest.mark.parametrize("address", EIP55_MIXED + EIP55_ALL_UPPER + EIP55_ALL_LOWER)
def test_eth_single_case_forms_are_accepted(address: str) -> None:
    expected = "0x" + address[2:].lower()
    assert normalize_wallet_address("ETH", "0x" + address[2:].lower()) == expected
    assert normalize_wallet_address("ETH", "0x" + address[2:].upper()) == expected


@pytest.mark.parametrize("address", EIP55_ALL_UPPER + EIP55_ALL_LOWER)
def test_eth_eip55_single_case_vectors_are_accepted(address: str) -> None:
    assert normalize_wallet_address("ETH", address) == address.lower()


def test_eth_digits_only_is_accepted() -> None:
    address = "0x" + "1234567890" * 4
    assert normalize_wallet_address("ETH", address) == address


# --- ETH: checksum failures ------------------------------------------------------------------


@pytest.mark.parametrize("address", EIP55_MIXED)
def test_eth_any_single_flipped_letter_fails_the_checksum(address: str) -> None:
    letter_positions = [i for i in range(2, len(address)) if address[i].isalpha()]
    assert len(letter_positions) > 1
    for index in letter_positions:
        flipped = _flip(address, index)
        hex_digits = flipped[2:]
        # Still mixed case, so the checksum (not the single-case rule) decides.
        assert hex_digits not in (hex_digits.lower(), hex_digits.upper())
        with pytest.raises(ValueError, match=ETH_CHECKSUM):
            normalize_wallet_address("ETH", flipped)


@pytest.mark.parametrize(
    "address",
    [
        # Case swapped on every letter: mixed case, and the checksum inverted.
        EIP55_MIXED[0][:2] + EIP55_MIXED[0][2:].swapcase(),
        # An all-caps vector with one letter lowered.
        _flip(EIP55_ALL_UPPER[0], 2 + EIP55_ALL_UPPER[0][2:].index("E")),
        # An all-lower vector with one letter raised.
        _flip(EIP55_ALL_LOWER[0], 2 + EIP55_ALL_LOWER[0][2:].index("d")),
    ],
)
def test_eth_other_bad_mixed_case_is_rejected(address: str) -> None:
    with pytest.raises(ValueError, match=ETH_CHECKSUM):
        normalize_wallet_address("ETH", address)


# --- ETH: format failures --------------------------------------------------------------------

_GOOD = EIP55_MIXED[0]


@pytest.mark.parametrize(
    "address",
    [
        pytest.param("", id="empty"),
        pytest.param("0x", id="prefix-only"),
        pytest.param(_GOOD[:-1], id="39-digits"),
        pytest.param(_GOOD + "a", id="41-digits"),
        pytest.param("0x" + "a" * 64, id="64-digits"),
        pytest.param(_GOOD[2:], id="missing-prefix"),
        pytest.param("00" + _GOOD[2:], id="00-prefix"),
        pytest.param("0X" + _GOOD[2:], id="0X-prefix"),
        pytest.param("0X" + _GOOD[2:].lower(), id="0X-prefix-lower"),
        pytest.param("0x" + "g" * 40, id="non-hex-g"),
        pytest.param(_GOOD[:-1] + "z", id="non-hex-last"),
        pytest.param("0x" + "0123456789abcdef0123456789abcdef0123456-", id="dash"),
        pytest.param("0x" + "1_2" * 13 + "a", id="underscores"),
        pytest.param(" " + _GOOD, id="leading-space"),
        pytest.param(_GOOD + " ", id="trailing-space"),
        pytest.param(_GOOD + "\n", id="trailing-newline"),
        pytest.param("\t" + _GOOD, id="leading-tab"),
        pytest.param("0x" + "\uff11" * 40, id="fullwidth-digits"),
        pytest.param("0x" + "\u0661" * 40, id="arabic-indic-digits"),
        pytest.param('{"$ne": ""}', id="operator-json"),
        pytest.param("$ne", id="operator"),
        pytest.param("0x" + "a" * 39 + "\x00", id="nul"),
    ],
)
def test_eth_malformed_is_rejected(address: str) -> None:
    with pytest.raises(ValueError, match=ETH_FORMAT):
        normalize_wallet_address("ETH", address)


# --- SOL -------------------------------------------------------------------------------------


def test_sol_sample_is_base58_only() -> None:
    assert set(SOL_VALID) <= set(BASE58)
    assert 32 <= len(SOL_VALID) <= 44


@pytest.mark.parametrize(
    "address",
    [
        SOL_VALID,
        "11111111111111111111111111111111",  # System program: 32 characters.
        BASE58[:44],
        BASE58[-32:],
    ],
)
def test_sol_valid_is_returned_unchanged(address: str) -> None:
    assert normalize_wallet_address("SOL", address) == address


def test_sol_is_case_sensitive() -> None:
    # Swapping one letter's case gives another valid-looking address; it must not be folded.
    swapped = _flip(SOL_VALID, SOL_VALID.index("N"))
    assert set(swapped) <= set(BASE58)
    assert normalize_wallet_address("SOL", swapped) == swapped
    assert normalize_wallet_address("SOL", swapped) != normalize_wallet_address("SOL", SOL_VALID)


@pytest.mark.parametrize(
    "address",
    [
        pytest.param("", id="empty"),
        pytest.param(SOL_VALID[:31], id="31-chars"),
        pytest.param(SOL_VALID + "1", id="45-chars"),
        pytest.param(SOL_VALID[:-1] + "0", id="zero"),
        pytest.param(SOL_VALID[:-1] + "O", id="capital-o"),
        pytest.param(SOL_VALID[:-1] + "I", id="capital-i"),
        pytest.param(SOL_VALID[:-1] + "l", id="lower-l"),
        pytest.param(SOL_VALID[:-1] + "+", id="plus"),
        pytest.param(" " + SOL_VALID[1:], id="leading-space"),
        pytest.param(SOL_VALID[:-1] + " ", id="trailing-space"),
        pytest.param(SOL_VALID[:-1] + "\n", id="trailing-newline"),
        pytest.param(SOL_VALID[:-1] + "\u00e9", id="non-ascii"),
        pytest.param(_GOOD, id="eth-address"),
        pytest.param('{"$ne": ""}', id="operator-json"),
        pytest.param('{"$gt": "11111111111111111111111111111"}', id="operator-json-long"),
    ],
)
def test_sol_malformed_is_rejected(address: str) -> None:
    with pytest.raises(ValueError, match=SOL_FORMAT):
        normalize_wallet_address("SOL", address)


# --- Guards and chains -----------------------------------------------------------------------


@pytest.mark.parametrize("chain", ["ETH", "SOL"])
@pytest.mark.parametrize(
    "address",
    [
        pytest.param("a" * 10_240, id="10KB-letters"),
        pytest.param(_GOOD * 250, id="10KB-repeated-eth"),
        pytest.param(SOL_VALID + "1" * 57, id="101-chars"),
    ],
)
def test_long_input_is_rejected_without_echo(chain: str, address: str) -> None:
    with pytest.raises(ValueError, match="at most 100 characters") as excinfo:
        normalize_wallet_address(chain, address)
    assert len(str(excinfo.value)) < 80


@pytest.mark.parametrize("chain", ["ETH", "SOL"])
def test_100_characters_passes_the_length_guard(chain: str) -> None:
    # Exactly at the limit: rejected by the chain's own format rule, not by the guard.
    with pytest.raises(ValueError, match=ETH_FORMAT if chain == "ETH" else SOL_FORMAT):
        normalize_wallet_address(chain, "a" * 100)


@pytest.mark.parametrize("chain", ["", "eth", "Eth", "BTC", "SOLANA", " ETH", "ETH ", "x" * 10_240])
def test_unknown_chain_is_rejected(chain: str) -> None:
    with pytest.raises(ValueError, match="unknown chain") as excinfo:
        normalize_wallet_address(chain, _GOOD)
    assert len(str(excinfo.value)) < 80


@pytest.mark.parametrize("value", [None, 123, b"0x" + b"a" * 40, {"$ne": ""}, ["0x"]])
def test_non_string_address_is_rejected(value: Any) -> None:
    with pytest.raises(ValueError, match="must be a string"):
        normalize_wallet_address("ETH", value)


@pytest.mark.parametrize(
    ("chain", "address"),
    [("ETH", "0x" + "z" * 98), ("ETH", _GOOD[:-1] + "A"), ("SOL", "0" * 99)],
)
def test_error_messages_do_not_echo_input(chain: str, address: str) -> None:
    with pytest.raises(ValueError, match=r"(ETH|SOL) address") as excinfo:
        normalize_wallet_address(chain, address)
    assert address not in str(excinfo.value)
    assert len(str(excinfo.value)) < 80
