"""Settings read from the environment (and `.env`), validated by pydantic."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    """Gateway configuration.

    Example: ``MONGODB_URI=mongodb://db:27017/?replicaSet=rs0 mongraph serve``.
    """

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    mongodb_uri: str | None = Field(
        default=None,
        description="MongoDB connection string; unset starts the embedded server.",
    )
    mongraph_db: str = Field(default="mongraph", description="Database name.")
    mongraph_data_dir: Path = Field(
        default=Path(".mongraph-data"),
        description="Where the embedded server keeps its files.",
    )
    mongraph_cursor_secret: str = Field(
        default="mongraph-dev-cursor-secret",
        description="Key that signs pagination cursors; set it in production.",
    )
    mongraph_dev: bool = Field(default=False, description="Developer mode.")
    mongraph_max_page_size: int = Field(default=100, ge=1, le=1000)

    @field_validator("mongraph_db")
    @classmethod
    def _db_name_is_valid(cls, value: str) -> str:
        if not value or any(ch in value for ch in '/\\. "$') or len(value) > 63:
            raise ValueError("not a valid MongoDB database name")
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
