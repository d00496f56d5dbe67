"""Tests of scoped name allocation."""

from __future__ import annotations

import builtins
import keyword

import pytest
from budget import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.emit import Style
from generator.names import BUILTINS, NameScope

NAMES = st.lists(
    st.one_of(
        st.text(st.characters(exclude_categories=()), max_size=6),
        st.sampled_from(["userId", "user_id", "UserID", "class", "list", "id", "", "1", "日"]),
    ),
    max_size=40,
)
STYLES = st.sampled_from(["snake", "pascal", "upper_snake"])


def test_builtins_cover_the_running_interpreter() -> None:
    assert set(dir(builtins)) <= BUILTINS


def test_allocate_sanitises_and_suffixes() -> None:
    scope = NameScope()
    assert scope.allocate("userId") == "user_id"
    assert scope.allocate("user_id") == "user_id_2"
    assert scope.allocate("UserID") == "user_id_3"
    assert scope.allocate("user id 2") == "user_id_2_2"
    assert scope.allocate("class") == "class_"
    assert scope.allocate("class") == "class_2"


def test_allocate_styles() -> None:
    scope = NameScope()
    assert scope.allocate("user id", style="pascal") == "UserId"
    assert scope.allocate("userId", style="pascal") == "UserId2"
    assert scope.allocate("user id", style="upper_snake") == "USER_ID"
    assert scope.allocate("user-id", style="upper_snake") == "USER_ID_2"


def test_allocate_private_names() -> None:
    scope = NameScope(["USER_ID"])
    assert scope.allocate("user id", style="upper_snake", private=True) == "_USER_ID"
    assert scope.allocate("user-id", style="upper_snake", private=True) == "_USER_ID_2"
    assert scope.allocate("class", private=True) == "_class_"
    assert "_USER_ID" in scope and "USER_ID_2" not in scope


def test_allocate_tries_the_fallback_prefix_first() -> None:
    scope = NameScope(["token"])
    assert scope.allocate("token", fallback_prefix="login-step") == "login_step_token"
    assert scope.allocate("token", fallback_prefix="login-step") == "token_2"
    assert scope.allocate("fresh", fallback_prefix="login-step") == "fresh"


def test_plain_scope_reserves_keywords_but_not_builtins() -> None:
    scope = NameScope()
    assert "class" in scope and "match" in scope and "type" in scope and "_" in scope
    assert "list" not in scope
    assert scope.allocate("list") == "list"


def test_module_scope_reserves_builtins() -> None:
    scope = NameScope.module(["httpx"])
    assert "list" in scope and "print" in scope and "httpx" in scope
    assert scope.allocate("list") == "list_"
    assert scope.allocate("list") == "list_2"
    assert scope.allocate("float") == "float_"
    assert scope.allocate("httpx") == "httpx_2"


def test_reserve() -> None:
    scope = NameScope(["client"])
    assert scope.reserve("response") == "response"
    assert "response" in scope
    assert scope.allocate("response") == "response_2"
    for taken in ("client", "response", "class", "match"):
        with pytest.raises(ValueError, match="taken"):
            scope.reserve(taken)
    for invalid in ("", "a-b", "1x", "a.b"):
        with pytest.raises(ValueError, match="identifier"):
            scope.reserve(invalid)
    with pytest.raises(ValueError, match="identifier"):
        NameScope(["not valid"])


def test_child_never_shadows_its_parents() -> None:
    module = NameScope.module(["httpx"])
    function = module.child(["client"])
    assert function.allocate("httpx") == "httpx_2"
    assert function.allocate("str") == "str_"
    with pytest.raises(ValueError, match="taken"):
        function.reserve("httpx")
    inner = function.child()
    assert inner.allocate("client") == "client_2"


def test_parent_never_allocates_names_used_in_children() -> None:
    module = NameScope.module()
    function = module.child(["client"])
    assert function.allocate("user") == "user"
    assert "user" in module
    assert module.allocate("user") == "user_2"
    assert module.allocate("client") == "client_2"
    with pytest.raises(ValueError, match="taken"):
        module.reserve("client")


def test_siblings_are_independent() -> None:
    module = NameScope.module()
    first = module.child(["client", "response"])
    second = module.child(["client", "response"])
    assert first.allocate("user") == "user"
    assert second.allocate("user") == "user"


def test_contains_rejects_non_strings() -> None:
    assert 1 not in NameScope()


def test_allocate_all() -> None:
    scope = NameScope.module()
    assert scope.allocate_all(["userId", "user_id", "id", "userId", "list"]) == {
        "userId": "user_id",
        "user_id": "user_id_2",
        "id": "id_",
        "list": "list_",
    }
    assert list(scope.allocate_all(["b", "a", "c"], style="pascal")) == ["b", "a", "c"]


@settings(max_examples=examples(200), deadline=None)
@given(NAMES, STYLES)
def test_allocations_are_unique_valid_and_deterministic(names: list[str], style: Style) -> None:
    def allocate_everything() -> list[str]:
        module = NameScope.module(["httpx"])
        results = [module.allocate(name, style=style) for name in names[: len(names) // 2]]
        function = module.child(["client"])
        results += [function.allocate(name, style=style) for name in names[len(names) // 2 :]]
        results += [module.allocate(name, style=style, fallback_prefix="x") for name in names]
        return results

    results = allocate_everything()
    assert len(set(results)) == len(results)
    assert not set(results) & (BUILTINS | {"httpx", "client"})
    for result in results:
        assert result.isidentifier() and result.isascii() and not keyword.iskeyword(result)
    assert allocate_everything() == results


@settings(max_examples=examples(200), deadline=None)
@given(NAMES)
def test_allocate_all_maps_distinct_names_to_distinct_identifiers(names: list[str]) -> None:
    mapping = NameScope().allocate_all(names)
    assert list(mapping) == list(dict.fromkeys(names))
    assert len(set(mapping.values())) == len(mapping)
