"""Identity types: master accounts, their identities, wallets, API keys and credit."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry

from ..context import RequestContext
from ..datastore.documents import (
    ApiKeyDoc,
    EconomyDoc,
    IdentityDoc,
    TransactionDoc,
    UserDoc,
    WalletDoc,
)
from ..execution.connection import Connection
from ..execution.relation_fields import Arg
from ..execution.relation_kinds import ChildOne, ChildPage, ListPage, ParentLink
from ..pages import LIST_PAGE_SIZE
from .chat import Conversation
from .chat_inputs import ConversationFilterArg, ConversationOrderArg, conversations_of
from .common import Node, described_enum
from .ids import encode_global_id
from .paging import PAGING
from .profile import UserProfile
from .storyboard import Project
from .storyboard_queries import (
    IncludeDeletedArg,
    ProjectFilterArg,
    ProjectOrderArg,
    projects_of,
)

__all__ = [
    "ApiKey",
    "Chain",
    "CreditTransaction",
    "Economy",
    "LinkedIdentity",
    "Platform",
    "Role",
    "TransactionType",
    "User",
    "UserProfile",
    "UserStatus",
    "Wallet",
]

Info = strawberry.Info[RequestContext, None]


@described_enum(
    "Whether an account may use the API.",
    ACTIVE="The account may use the API with its keys.",
    SUSPENDED="Its keys are refused with FORBIDDEN until an admin reactivates it.",
    DELETED="The account is closed: its keys are refused with FORBIDDEN.",
)
class UserStatus(Enum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    DELETED = "DELETED"


@described_enum(
    "What an account may do; admins may act on anyone's objects; a SERVICE speaks for "
    "one platform.",
    USER="Acts on their own objects and those shared with them.",
    ADMIN="May also read and change anyone's objects by id and manage accounts.",
    SERVICE="A platform adapter (a Telegram or Discord bot, an email sender) for one "
    "platform: links that platform's identities and reads the users linked on it.",
)
class Role(Enum):
    USER = "USER"
    ADMIN = "ADMIN"
    SERVICE = "SERVICE"


@described_enum(
    "Where a linked identity lives.",
    TELEGRAM="A Telegram account, by its user id there.",
    DISCORD="A Discord account, by its user id there.",
    WEB="An account of the web app, by its id there.",
    EMAIL="An email address, which is the identity's id.",
)
class Platform(Enum):
    TELEGRAM = "TELEGRAM"
    DISCORD = "DISCORD"
    WEB = "WEB"
    EMAIL = "EMAIL"


@described_enum(
    "The blockchain of a wallet.",
    ETH="Ethereum: 0x addresses, stored in lowercase.",
    SOL="Solana: base58 addresses, stored as given.",
)
class Chain(Enum):
    ETH = "ETH"
    SOL = "SOL"


@described_enum(
    "Kind of credit movement; only DEBIT takes credit away.",
    CREDIT="Credit added, for example a purchase.",
    DEBIT="Credit spent; refused if the balance would go below zero.",
    BONUS="Credit given as a reward or promotion.",
    REFUND="Credit given back for something that was charged.",
)
class TransactionType(Enum):
    CREDIT = "CREDIT"
    DEBIT = "DEBIT"
    BONUS = "BONUS"
    REFUND = "REFUND"


@strawberry.type(description="A platform account linked to a master account.")
class LinkedIdentity:
    platform: Platform = strawberry.field(description="Where the identity lives.")
    external_id: str = strawberry.field(description="Its id on that platform, as a string.")
    username: str | None = strawberry.field(description="Its handle on that platform.")
    linked_at: datetime = strawberry.field(description="When the identity was linked (UTC).")
    verified_at: datetime | None = strawberry.field(
        description="When the link was proven (a redeemed link code, or an admin); "
        "null for links made before proofs."
    )

    @classmethod
    def from_doc(cls, doc: IdentityDoc) -> LinkedIdentity:
        return cls(
            platform=Platform(doc.platform),
            external_id=doc.external_id,
            username=doc.username,
            linked_at=doc.linked_at,
            verified_at=doc.verified_at,
        )


@strawberry.type(description="A crypto wallet of an account (ETH addresses stored lower-case).")
class Wallet:
    chain: Chain = strawberry.field(description="The blockchain the wallet lives on.")
    address: str = strawberry.field(description="The wallet's address on its chain.")
    is_primary: bool = strawberry.field(description="Whether it is the account's primary wallet.")
    added_at: datetime = strawberry.field(description="When it was added (UTC).")
    verified_at: datetime | None = strawberry.field(
        description="When ownership was proven by a signature (or set by an admin); "
        "null for wallets added before proofs."
    )

    @classmethod
    def from_doc(cls, doc: WalletDoc) -> Wallet:
        return cls(
            chain=Chain(doc.chain),
            address=doc.address,
            is_primary=doc.is_primary,
            added_at=doc.added_at,
            verified_at=doc.verified_at,
        )


@strawberry.type(
    description="An API key as its owner may see it. The secret is shown once, at creation."
)
class ApiKey(Node):
    name: str = strawberry.field(description="What the key is for.")
    prefix: str = strawberry.field(
        description="The first characters of the secret, to recognise it."
    )
    created_at: datetime = strawberry.field(description="When the key was created (UTC).")
    last_used_at: datetime | None = strawberry.field(description="Last use, to the minute.")
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked; null while valid."
    )

    @classmethod
    def from_doc(cls, doc: ApiKeyDoc) -> ApiKey:
        return cls(
            id=strawberry.ID(encode_global_id("ApiKey", doc.id)),
            name=doc.name,
            prefix=doc.prefix,
            created_at=doc.created_at,
            last_used_at=doc.last_used_at,
            revoked_at=doc.revoked_at,
        )


@strawberry.type(description="An account's credit balance and experience points.")
class Economy:
    usd_credit: Decimal = strawberry.field(description='Balance in US dollars, e.g. "12.50".')
    exp: int = strawberry.field(description="Experience points the account has earned.")

    @classmethod
    def from_doc(cls, doc: EconomyDoc | None) -> Economy:
        if doc is None:
            return cls(usd_credit=Decimal("0.00"), exp=0)
        return cls(usd_credit=doc.usd_credit, exp=doc.exp)


@strawberry.type(description="An entry of an account's append-only credit ledger.")
class CreditTransaction(Node):
    doc: strawberry.Private[TransactionDoc]
    type: TransactionType = strawberry.field(
        description="Kind of credit movement; only DEBIT takes credit away."
    )
    amount_usd: Decimal = strawberry.field(description="Amount moved (always positive).")
    balance_after: Decimal = strawberry.field(description="The balance right after it.")
    description: str | None = strawberry.field(
        description="Why the credit moved, in the words of whoever moved it."
    )
    idempotency_key: str | None = strawberry.field(description="The caller's key for this entry.")
    created_at: datetime = strawberry.field(description="When the movement was recorded (UTC).")

    @classmethod
    def from_doc(cls, doc: TransactionDoc) -> CreditTransaction:
        return cls(
            doc=doc,
            id=strawberry.ID(encode_global_id("CreditTransaction", doc.id)),
            type=TransactionType(doc.type),
            amount_usd=doc.amount_usd,
            balance_after=doc.balance_after,
            description=doc.description,
            idempotency_key=doc.idempotency_key,
            created_at=doc.created_at,
        )

    user: User = ParentLink("users", lambda d: d.user_id).field("The account it belongs to.")


@strawberry.type(
    description="A master account. Reachable by the user themself and by admins; a SERVICE "
    "account sees those with a verified identity on its platform, without wallets, keys, "
    "ledger, projects or conversations."
)
class User(Node):
    doc: strawberry.Private[UserDoc]
    display_name: str = strawberry.field(description="Name shown to others.")
    status: UserStatus = strawberry.field(description="Suspended accounts cannot use the API.")
    roles: list[Role] = strawberry.field(description="What the account may do.")
    identities: list[LinkedIdentity] = strawberry.field(description="Linked platform identities.")
    wallets: list[Wallet] = strawberry.field(description="The account's crypto wallets.")
    primary_wallet: Wallet | None = strawberry.field(description="The primary wallet, if any.")
    api_keys: list[ApiKey] = strawberry.field(
        description="Visible to the user themself and to admins only; others get an empty list."
    )
    created_at: datetime = strawberry.field(description="When the account was created.")
    updated_at: datetime = strawberry.field(description="When it last changed.")

    @classmethod
    def from_doc(cls, doc: UserDoc) -> User:
        wallets = [Wallet.from_doc(w) for w in doc.wallets]
        return cls(
            doc=doc,
            id=strawberry.ID(encode_global_id("User", doc.id)),
            display_name=doc.display_name,
            status=UserStatus(doc.status),
            roles=[Role(r) for r in doc.roles],
            identities=[LinkedIdentity.from_doc(i) for i in doc.identities],
            wallets=wallets,
            primary_wallet=next((w for w in wallets if w.is_primary), None),
            api_keys=[ApiKey.from_doc(k) for k in doc.api_keys],
            created_at=doc.created_at,
            updated_at=doc.updated_at,
        )

    economy: Economy = ChildOne("user.economy", unscoped=lambda doc: doc.redacted).field(
        "Credit balance and experience."
    )
    transactions: Connection[CreditTransaction] = ChildPage(
        "user.transactions", null_page=LIST_PAGE_SIZE
    ).field(f"The credit ledger, newest first; the first {LIST_PAGE_SIZE} by default.", **PAGING)

    projects: Connection[Project] = ListPage(
        "projects", lambda ctx, doc, a: projects_of(doc.id, a.get("where"), a.get("order_by"))
    ).field(
        "This user's projects (as `Query.projects` lists the viewer's).",
        **PAGING,
        where=Arg(ProjectFilterArg),
        order_by=Arg(ProjectOrderArg),
        include_deleted=Arg(IncludeDeletedArg, False),
    )
    conversations: Connection[Conversation] = ListPage(
        "conversations",
        lambda ctx, doc, a: conversations_of(ctx.viewer, doc.id, a.get("where"), a.get("order_by")),
    ).field(
        "This user's conversations and those shared with them.",
        **PAGING,
        where=Arg(ConversationFilterArg),
        order_by=Arg(ConversationOrderArg),
        include_deleted=Arg(IncludeDeletedArg, False),
    )
