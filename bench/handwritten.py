"""The seed workflow written by hand with httpx: the floor the generated code is measured against.

Same two requests as ``generated.tiktok.oauth_login_and_profile`` (same method, URL, form fields
in the same order, query parameter and Authorization header), on a client the caller shares
across runs, with what a careful person writes by hand: a status check per step and plain
dictionary reads of the values the workflow outputs. No logging, no redaction, no type checks.
"""

from __future__ import annotations

import dataclasses

import httpx

DEFAULT_USER_FIELDS = (
    "open_id,union_id,avatar_url,display_name,is_verified,follower_count,video_count"
)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Outputs:
    access_token: str
    refresh_token: str
    open_id: str
    display_name: str | None = None


class StepFailed(Exception):
    def __init__(self, step_id: str, status_code: int) -> None:
        super().__init__(f"step {step_id} failed: HTTP {status_code}")
        self.step_id = step_id
        self.status_code = status_code


async def oauth_login_and_profile(
    client: httpx.AsyncClient,
    base_url: str,
    *,
    client_key: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    user_fields: str = DEFAULT_USER_FIELDS,
) -> Outputs:
    response = await client.post(
        base_url + "/v2/oauth/token/",
        data={
            "client_key": client_key,
            "client_secret": client_secret,
            "code": code,
            "grant_type": "authorization_code",
            "redirect_uri": redirect_uri,
        },
    )
    if response.status_code != 200:
        raise StepFailed("exchangeCode", response.status_code)
    token = response.json()
    access_token: str = token["access_token"]

    response = await client.get(
        base_url + "/v2/user/info/",
        params={"fields": user_fields},
        headers={"Authorization": "Bearer " + access_token},
    )
    if response.status_code != 200:
        raise StepFailed("getProfile", response.status_code)
    user = response.json().get("data", {}).get("user", {})
    return Outputs(
        access_token=access_token,
        refresh_token=token["refresh_token"],
        open_id=token["open_id"],
        display_name=user.get("display_name"),
    )
