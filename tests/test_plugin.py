"""The pytest plugin, as a user's suite sees it: installed fixtures, no configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_fixtures_work_in_a_users_suite(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio
        import exa_webhooks as ew
        from exa_webhooks.testing import ExaServer

        def test_server(exa_server):
            assert isinstance(exa_server, ExaServer)
            assert exa_server.running

        def test_client(exa_client, exa_server):
            wh = exa_client.create_webhook(["webset.created"], "https://e.com")
            assert exa_server.webhooks == [wh]

        def test_async_client(async_exa_client, exa_server):
            async def main():
                return await async_exa_client.create_webhook(["webset.idle"], "https://e.com")
            wh = asyncio.run(main())
            assert [w.id for w in exa_server.webhooks] == [wh.id]

        def test_fresh_server_per_test(exa_server):
            assert exa_server.webhooks == []
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_the_readme_receiver_example(pytester: pytest.Pytester) -> None:
    example = EXAMPLES / "test_receiver_example.py"
    pytester.makepyfile(test_receiver_example=example.read_text())
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("name", ["test_receiver_example", "receive_flask", "receive_fastapi"])
def test_the_readme_shows_the_tested_examples(name: str) -> None:
    readme = (EXAMPLES.parent / "README.md").read_text()
    assert (EXAMPLES / f"{name}.py").read_text().strip() in readme
