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


@pytest.mark.parametrize(
    "name", ["test_receiver_example", "test_async_example", "receive_flask", "receive_fastapi"]
)
def test_the_readme_shows_the_tested_examples(name: str) -> None:
    readme = (EXAMPLES.parent / "README.md").read_text()
    assert (EXAMPLES / f"{name}.py").read_text().strip() in readme


def test_the_readme_async_examples(pytester: pytest.Pytester) -> None:
    example = EXAMPLES / "test_async_example.py"
    pytester.makepyfile(test_async_example=example.read_text())
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_fixture_options_are_overridden_in_a_users_conftest(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def exa_server_options():
            return {"api_key": "my-test-key"}

        @pytest.fixture
        def exa_client_options():
            return {"timeout": 0.3, "max_retries": 0}
        """
    )
    pytester.makepyfile(
        """
        import time
        import pytest
        import exa_webhooks as ew

        def test_tuned(exa_server, exa_client):
            assert exa_server.api_key == "my-test-key"
            assert (exa_client.timeout, exa_client.max_retries) == (0.3, 0)
            exa_server.add_fault(hang=True)
            started = time.monotonic()
            with pytest.raises(ew.APITimeoutError):
                exa_client.list_webhooks()
            assert time.monotonic() - started < 10  # not the default 5 s x 3 tries

        def test_tuned_async(async_exa_client):
            assert async_exa_client.timeout == 0.3
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)


def test_trio_gets_a_plain_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        import trio
        import exa_webhooks as ew

        def test_under_trio(exa_server):
            async def main():
                client = exa_server.async_client()
                await client.list_webhooks()

            with pytest.raises(RuntimeError, match="needs a running asyncio event loop") as info:
                trio.run(main)
            assert "Trio is not supported" in str(info.value)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
