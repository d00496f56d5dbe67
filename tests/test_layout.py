"""Long generated statements are laid out as black lays them out (so black's first pass
changes nothing and it does not run a second), and never differently from what black makes
of the one-line form."""

from __future__ import annotations

import black
import pytest

from generator.format import MODE
from generator.layout import fit

ARGUMENTS = ", ".join(f"argument_{n}=value_{n}" for n in range(8))
ITEMS = ", ".join(f'"key_{n}": inputs.value_{n}' for n in range(6))
LONG = "a" * 60

STATEMENTS = [
    f'request = run.request(http, "POST", url + "/v2/oauth/token/", data={{{ITEMS}}})',
    f'run.record("step", {{{ITEMS}}})',
    'run.record("getProfile", {"displayName": display_name, "avatarUrl": avatar_url, "n": n})',
    'url = _runtime.server_url("loginKitApi", LOGIN_KIT_API_SERVER_URL, base_url, base_urls)',
    f"return OauthLoginAndProfileOutputs({ARGUMENTS})",
    f'raise run.not_run(error, {{"a": ("step", "a"), {ITEMS}}}) from None',
    f"await nested_workflow(NestedWorkflowInputs({ARGUMENTS}), client=http, timeout=timeout)",
    'if response.status_code >= 500 and run.may_retry("upload-cnab-file", "server_error", 3):',
    # items inside brackets: a collection is exploded, operators split first
    f'call({LONG}, json_body={{"username": inputs.username, "password": inputs.password}})',
    f'call({LONG}, url + "/user/" + _runtime.path_segment(inputs.username) + "/p/" + str(pet))',
    'user_fields: str = "open_id,union_id,avatar_url,display_name,is_verified,follower_count"',
    'user_fields: str = "' + "x" * 120 + '"',
    'x = f("a, b (c) {d}", "it\'s [e]", \'q"r\', "\\\\", ' + ARGUMENTS + ")",
    f"x = f({{{ITEMS}}})",
    "x = f(only_one_argument_that_is_long_enough_to_need_a_line_of_its_own_when_split_up_abc)",
    # several criteria of a step: split at `and` / `or`, not at `+` or `==`
    'if not (response.status_code == 200 and _runtime.equals(response.value("/state"), "done")'
    ' and _runtime.truthy(response.value("/ready")) or response.status_code == 204):',
    f"call({LONG}, response.status_code + 1 == total + 1, a + b < c)",
]


def in_blocks(code: str, column: int) -> str:
    """`code` (continuation lines already indented) as a statement at `column`."""
    blocks = "".join("    " * level + "if x:\n" for level in range(column // 4))
    body = "\n" + " " * (column + 4) + "pass" if code.endswith(":") else ""
    return blocks + " " * column + code + body + "\n"


@pytest.mark.parametrize("column", [4, 8, 24])
@pytest.mark.parametrize("statement", STATEMENTS)
def test_layout_is_what_black_makes_of_the_statement(statement: str, column: int) -> None:
    expected = black.format_str(in_blocks(statement, column), mode=MODE)
    source = in_blocks(fit(statement, column, " " * column), column)
    assert black.format_str(source, mode=MODE) == expected  # the same result, always
    assert source == expected  # and already black's layout


def test_short_statements_and_strings_are_left_alone() -> None:
    assert fit("x = f(a, b)", 8) == "x = f(a, b)"
    text = "x = '" + "a, (b), [c], {d}, " * 10 + "'"
    assert fit(text, 8) == text  # nothing to split outside the string
