"""The root Mutation type: every mutation takes one `input` (or an id) and returns a payload."""

from __future__ import annotations

from typing import Annotated

import strawberry

from ..context import RequestContext
from ..resolvers import chat as chat_resolvers
from ..resolvers import economy as econ
from ..resolvers import identity as ident
from ..resolvers import proofs
from ..resolvers import storyboard as sb
from ..resolvers.cascade import CascadeOp, cascade_mutation
from ..schema.cascade import CascadePayload
from ..schema.chat_inputs import (
    ConversationPayload,
    CreateConversationInput,
    EditMessageInput,
    MessagePayload,
    PostMessageInput,
    ShareConversationInput,
    UpdateConversationInput,
)
from ..schema.identity_inputs import (
    AddWalletInput,
    ApiKeyPayload,
    CreateApiKeyInput,
    CreateApiKeyPayload,
    CreateUserInput,
    CreateUserPayload,
    CreditInput,
    CreditTransactionPayload,
    LinkIdentityInput,
    SetUserStatusInput,
    UnlinkIdentityInput,
    UserPayload,
    WalletInput,
)
from ..schema.proofs import (
    CreateIdentityLinkCodeInput,
    IdentityLinkCodePayload,
    RedeemIdentityLinkCodeInput,
    WalletChallengeInput,
    WalletChallengePayload,
)
from ..schema.storyboard_inputs import (
    AddGeneratedMediaInput,
    CharacterPayload,
    ClipPayload,
    CreateCharacterInput,
    CreateClipInput,
    CreateProjectInput,
    CreateSceneInput,
    ProjectPayload,
    ScenePayload,
    SelectMediaInput,
    UpdateCharacterInput,
    UpdateClipInput,
    UpdateProjectInput,
    UpdateSceneInput,
)

__all__ = ["Mutation"]

Info = strawberry.Info[RequestContext, None]
_INPUT = strawberry.argument(description="What to create or change.")
TargetId = Annotated[strawberry.ID, strawberry.argument(description="Global id of the target.")]


def _cascade(type_name: str, op: CascadeOp, description: str) -> CascadePayload:
    async def resolve(info: Info, id: TargetId) -> CascadePayload:
        return await cascade_mutation(info.context, id, type_name, op)

    return strawberry.mutation(resolver=resolve, description=description)


@strawberry.type(description="Everything that can be changed.")
class Mutation:
    @strawberry.mutation(
        description="Admins: creates an account and its first API key. A SERVICE account: "
        "registers a person with an identity on its platform, without roles."
    )
    async def create_user(
        self, info: Info, input: Annotated[CreateUserInput, _INPUT]
    ) -> CreateUserPayload:
        return await ident.create_user(info.context, input)

    @strawberry.mutation(
        description="Admins only (support work): links a platform identity, verified. "
        "Everyone else proves an identity with a link code."
    )
    async def link_identity(
        self, info: Info, input: Annotated[LinkIdentityInput, _INPUT]
    ) -> UserPayload:
        return await ident.link_identity(info.context, input)

    @strawberry.mutation(description="Unlinks a platform identity (never the last one).")
    async def unlink_identity(
        self, info: Info, input: Annotated[UnlinkIdentityInput, _INPUT]
    ) -> UserPayload:
        return await ident.unlink_identity(info.context, input)

    @strawberry.mutation(
        description="Adds a wallet proven by the signature of its challenge "
        "(createWalletChallenge)."
    )
    async def add_wallet(self, info: Info, input: Annotated[AddWalletInput, _INPUT]) -> UserPayload:
        return await ident.add_wallet(info.context, input)

    @strawberry.mutation(description="Makes one of the account's wallets its primary one.")
    async def set_primary_wallet(
        self, info: Info, input: Annotated[WalletInput, _INPUT]
    ) -> UserPayload:
        return await ident.set_primary_wallet(info.context, input)

    @strawberry.mutation(description="Removes a wallet from the account.")
    async def remove_wallet(self, info: Info, input: Annotated[WalletInput, _INPUT]) -> UserPayload:
        return await ident.remove_wallet(info.context, input)

    @strawberry.mutation(description="Creates an API key; its secret is returned only here.")
    async def create_api_key(
        self, info: Info, input: Annotated[CreateApiKeyInput, _INPUT]
    ) -> CreateApiKeyPayload:
        return await ident.create_api_key(info.context, input)

    @strawberry.mutation(description="Revokes an API key, effective on the next request.")
    async def revoke_api_key(self, info: Info, id: TargetId) -> ApiKeyPayload:
        return await ident.revoke_api_key(info.context, id)

    @strawberry.mutation(description="Admins only: suspend, reactivate or delete an account.")
    async def set_user_status(
        self, info: Info, input: Annotated[SetUserStatusInput, _INPUT]
    ) -> UserPayload:
        return await ident.set_user_status(info.context, input)

    @strawberry.mutation(
        description="Admins only: add or take credit (idempotent per idempotencyKey)."
    )
    async def apply_credit(
        self, info: Info, input: Annotated[CreditInput, _INPUT]
    ) -> CreditTransactionPayload:
        return await econ.apply_credit(info.context, input)

    @strawberry.mutation(
        description="A one-time code proving a platform identity: a user's, for the platform's "
        "SERVICE to redeem; or a SERVICE's, for an identity it reached (`externalId`)."
    )
    async def create_identity_link_code(
        self, info: Info, input: Annotated[CreateIdentityLinkCodeInput, _INPUT]
    ) -> IdentityLinkCodePayload:
        return await proofs.create_identity_link_code(info.context, input)

    @strawberry.mutation(
        description="The other side of a link code: a SERVICE of that platform, or the user a "
        "SERVICE's code was mailed to. Links the identity, verified."
    )
    async def redeem_identity_link_code(
        self, info: Info, input: Annotated[RedeemIdentityLinkCodeInput, _INPUT]
    ) -> UserPayload:
        return await proofs.redeem_identity_link_code(info.context, input)

    @strawberry.mutation(
        description="The message to sign to prove a wallet (single-use, valid 10 minutes)."
    )
    async def create_wallet_challenge(
        self, info: Info, input: Annotated[WalletChallengeInput, _INPUT]
    ) -> WalletChallengePayload:
        return await proofs.create_wallet_challenge(info.context, input)

    @strawberry.mutation(description="Creates a project owned by the viewer.")
    async def create_project(
        self, info: Info, input: Annotated[CreateProjectInput, _INPUT]
    ) -> ProjectPayload:
        return await sb.create_project(info.context, input)

    @strawberry.mutation(description="Changes a project's fields.")
    async def update_project(
        self, info: Info, input: Annotated[UpdateProjectInput, _INPUT]
    ) -> ProjectPayload:
        return await sb.update_project(info.context, input)

    delete_project: CascadePayload = _cascade(
        "Project", "delete", "Soft-deletes a project with its scenes, clips and characters."
    )
    restore_project: CascadePayload = _cascade(
        "Project", "restore", "Restores a project and exactly what its deletion took with it."
    )
    purge_project: CascadePayload = _cascade(
        "Project", "purge", "Hard-deletes an already deleted project and everything under it."
    )

    @strawberry.mutation(description="Creates a scene (or an alternate) in a project.")
    async def create_scene(
        self, info: Info, input: Annotated[CreateSceneInput, _INPUT]
    ) -> ScenePayload:
        return await sb.create_scene(info.context, input)

    @strawberry.mutation(description="Changes a scene's fields or position.")
    async def update_scene(
        self, info: Info, input: Annotated[UpdateSceneInput, _INPUT]
    ) -> ScenePayload:
        return await sb.update_scene(info.context, input)

    delete_scene: CascadePayload = _cascade(
        "Scene", "delete", "Soft-deletes a scene with its clips and its alternates."
    )
    restore_scene: CascadePayload = _cascade(
        "Scene", "restore", "Restores a scene and exactly what its deletion took with it."
    )

    @strawberry.mutation(description="Creates a clip in a scene.")
    async def create_clip(
        self, info: Info, input: Annotated[CreateClipInput, _INPUT]
    ) -> ClipPayload:
        return await sb.create_clip(info.context, input)

    @strawberry.mutation(description="Changes a clip's fields, position or scene.")
    async def update_clip(
        self, info: Info, input: Annotated[UpdateClipInput, _INPUT]
    ) -> ClipPayload:
        return await sb.update_clip(info.context, input)

    delete_clip: CascadePayload = _cascade("Clip", "delete", "Soft-deletes a clip.")
    restore_clip: CascadePayload = _cascade("Clip", "restore", "Restores a deleted clip.")

    @strawberry.mutation(
        description="Attaches a generated image or video to a clip; "
        "CONFLICT when the clip already has 100 of that kind."
    )
    async def add_generated_media(
        self, info: Info, input: Annotated[AddGeneratedMediaInput, _INPUT]
    ) -> ClipPayload:
        return await sb.add_generated_media(info.context, input)

    @strawberry.mutation(description="Chooses or clears a clip's selected image or video.")
    async def select_media(
        self, info: Info, input: Annotated[SelectMediaInput, _INPUT]
    ) -> ClipPayload:
        return await sb.select_media(info.context, input)

    @strawberry.mutation(description="Creates a character in a project.")
    async def create_character(
        self, info: Info, input: Annotated[CreateCharacterInput, _INPUT]
    ) -> CharacterPayload:
        return await sb.create_character(info.context, input)

    @strawberry.mutation(description="Changes a character's fields.")
    async def update_character(
        self, info: Info, input: Annotated[UpdateCharacterInput, _INPUT]
    ) -> CharacterPayload:
        return await sb.update_character(info.context, input)

    delete_character: CascadePayload = _cascade(
        "Character", "delete", "Soft-deletes a character; its clips then show no character."
    )
    restore_character: CascadePayload = _cascade(
        "Character", "restore", "Restores a deleted character."
    )

    @strawberry.mutation(description="Creates a conversation owned by the viewer.")
    async def create_conversation(
        self, info: Info, input: Annotated[CreateConversationInput, _INPUT]
    ) -> ConversationPayload:
        return await chat_resolvers.create_conversation(info.context, input)

    @strawberry.mutation(description="Changes a conversation's title, status or folder (owner).")
    async def update_conversation(
        self, info: Info, input: Annotated[UpdateConversationInput, _INPUT]
    ) -> ConversationPayload:
        return await chat_resolvers.update_conversation(info.context, input)

    @strawberry.mutation(description="Sets who may read a conversation (owner only).")
    async def share_conversation(
        self, info: Info, input: Annotated[ShareConversationInput, _INPUT]
    ) -> ConversationPayload:
        return await chat_resolvers.share_conversation(info.context, input)

    @strawberry.mutation(
        description="A user a conversation is shared with removes themself from it; "
        "`conversation` is then null, as they may no longer read it."
    )
    async def leave_conversation(self, info: Info, id: TargetId) -> ConversationPayload:
        return await chat_resolvers.leave_conversation(info.context, id)

    delete_conversation: CascadePayload = _cascade(
        "Conversation", "delete", "Soft-deletes a conversation with its messages."
    )
    restore_conversation: CascadePayload = _cascade(
        "Conversation", "restore", "Restores a conversation and the messages deleted with it."
    )

    @strawberry.mutation(description="Posts a message (the conversation's owner posts).")
    async def post_message(
        self, info: Info, input: Annotated[PostMessageInput, _INPUT]
    ) -> MessagePayload:
        return await chat_resolvers.post_message(info.context, input)

    @strawberry.mutation(description="Replaces a message's content (its author only).")
    async def edit_message(
        self, info: Info, input: Annotated[EditMessageInput, _INPUT]
    ) -> MessagePayload:
        return await chat_resolvers.edit_message(info.context, input)

    delete_message: CascadePayload = _cascade("Message", "delete", "Soft-deletes a message.")
    restore_message: CascadePayload = _cascade("Message", "restore", "Restores a deleted message.")
