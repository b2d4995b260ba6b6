"""Keys the tests generate and sign with, SERVICE accounts, and the proof mutations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import base58
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from nacl.signing import SigningKey

from mongraph.auth import make_api_key
from mongraph.datastore import users
from mongraph.datastore.client import Datastore
from tests.utils.factories import MadeUser
from tests.utils.graphql import GraphQLClient
from tests.utils.identity import USER_FIELDS

CHALLENGE = """mutation($i: WalletChallengeInput!) { createWalletChallenge(input: $i) {
  challenge { message expiresAt } userErrors { code message field } } }"""
MAKE_CODE = """mutation($i: CreateIdentityLinkCodeInput!) { createIdentityLinkCode(input: $i) {
  linkCode { code platform externalId expiresAt } userErrors { code message field } } }"""
REDEEM = f"""mutation($i: RedeemIdentityLinkCodeInput!) {{ redeemIdentityLinkCode(input: $i) {{
  user {{ {USER_FIELDS} identities {{ platform externalId verifiedAt }} }}
  userErrors {{ code message field }} }} }}"""


@dataclass
class EthWallet:
    account: LocalAccount = field(default_factory=Account.create)
    chain: str = "ETH"

    @property
    def address(self) -> str:
        return str(self.account.address)  # EIP-55 checksummed

    def sign(self, message: str) -> str:
        return "0x" + self.account.sign_message(encode_defunct(text=message)).signature.hex()


@dataclass
class SolWallet:
    key: SigningKey = field(default_factory=SigningKey.generate)
    chain: str = "SOL"

    @property
    def address(self) -> str:
        return base58.b58encode(bytes(self.key.verify_key)).decode()

    def sign(self, message: str) -> str:
        return base58.b58encode(self.key.sign(message.encode()).signature).decode()


Wallet = EthWallet | SolWallet


async def make_service(store: Datastore, platform: str, name: str = "Bot") -> MadeUser:
    key = make_api_key("bot")
    doc = await users.create_user(
        store,
        display_name=name,
        roles=["USER", "SERVICE"],
        key=key.doc,
        service_platform=platform,
    )
    return MadeUser(doc=doc, secret=key.secret)


async def challenge(client: GraphQLClient, wallet: Wallet, address: str | None = None) -> str:
    """The message to sign for the wallet (or for `address`)."""
    i = {"chain": wallet.chain, "address": address or wallet.address}
    payload = (await client.ok(CHALLENGE, {"i": i}))["createWalletChallenge"]
    assert payload["userErrors"] == [], payload
    message: str = payload["challenge"]["message"]
    return message


async def make_code(client: GraphQLClient, **input_: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await client.ok(MAKE_CODE, {"i": input_}))["createIdentityLinkCode"]
    return payload


async def redeem(client: GraphQLClient, **input_: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await client.ok(REDEEM, {"i": input_}))["redeemIdentityLinkCode"]
    return payload
