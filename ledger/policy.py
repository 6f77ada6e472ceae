"""The shop's policy: the numbers the rules read, with their defaults in default-policy.toml."""
from __future__ import annotations

import tomllib
from datetime import time
from functools import cache, cached_property
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, Strict, StrictBool, field_validator

from ledger.fields import Money, Name
from ledger.values import first_error

ReturnMethod = Literal["express", "freight_collect", "surface_mail"]
Hours = Annotated[int, Strict(), Field(ge=0, le=24 * 366)]


class PolicyParams(BaseModel):
    """Any subset of the policy's keys, as a PolicyAdopted or a policy file gives them."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    version: Name | None = None
    timezone: str | None = None
    same_day_cutoff: str | None = None
    return_window_days: Annotated[int, Strict(), Field(ge=0, le=366)] | None = None
    exchange_reship_hours: Hours | None = None
    review_contact_hours: Hours | None = None
    review_resolve_hours: Hours | None = None
    low_stock_threshold: Annotated[int, Strict(), Field(ge=0, le=1_000_000)] | None = None
    refused_return_methods: list[ReturnMethod] | None = None
    complaint_response_hours: Hours | None = None
    complaint_resolve_hours: Hours | None = None
    penalty_first: Money | None = None
    penalty_monthly_cap: Money | None = None
    platform_address_confirmed: StrictBool | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f'unknown time zone "{value}"') from None
        return value

    @field_validator("same_day_cutoff")
    @classmethod
    def _clock_time(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                time.fromisoformat(value)
            except ValueError:
                raise ValueError(f'cutoff must be a clock time such as "18:00", got "{value}"') from None
        return value

    def given(self) -> dict:
        return self.model_dump(exclude_none=True)


class Policy(BaseModel):
    """A complete policy; `replace` gives the one a PolicyAdopted puts in force."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    version: str
    timezone: str
    same_day_cutoff: str
    return_window_days: int
    exchange_reship_hours: int
    review_contact_hours: int
    review_resolve_hours: int
    low_stock_threshold: int
    refused_return_methods: tuple[ReturnMethod, ...]
    complaint_response_hours: int
    complaint_resolve_hours: int
    penalty_first: Money
    penalty_monthly_cap: Money | None = None  # absent by default (SPEC section 9)
    platform_address_confirmed: bool = False  # an imported order's address counts as confirmed at payment (§ 11)

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def cutoff(self) -> time:
        return time.fromisoformat(self.same_day_cutoff)

    def replace(self, params: PolicyParams, default_version: str | None = None) -> Policy:
        update = params.given()
        if "version" not in update and default_version is not None:
            update["version"] = default_version
        return Policy.model_validate({**self.model_dump(), **update})  # not model_copy: it keeps cached zone/cutoff


@cache
def default_policy() -> Policy:
    """default-policy.toml, read when first needed (a one-record append of stock needs no policy)."""
    text = Path(__file__).with_name("default-policy.toml").read_text(encoding="utf-8")
    return Policy.model_validate(tomllib.loads(text))


class PolicyFileError(ValueError):
    pass


WHAT_IF = "what-if"  # the version of a what-if file that names none


def load_policy_file(path: Path) -> PolicyParams:
    """A what-if: the file's keys, to lay over whatever policy is in force at each record's time."""
    try:
        return PolicyParams.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise PolicyFileError(f"{path}: {error}") from None
    except ValueError as error:
        raise PolicyFileError(f"{path}: {first_error(error)}") from None
