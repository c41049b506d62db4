"""Async tests with the exa-webhooks fixtures: pytest-asyncio, or anyio's pytest plugin."""

import pytest

import exa_webhooks as ew


@pytest.mark.asyncio  # pytest-asyncio (or set asyncio_mode = "auto" in your pytest config)
async def test_create_with_pytest_asyncio(async_exa_client: ew.AsyncClient) -> None:
    webhook = await async_exa_client.create_webhook(["webset.idle"], "https://example.com/h")
    assert webhook.secret is not None


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # AsyncClient runs on asyncio; anyio's trio backend is not supported


@pytest.mark.anyio  # anyio's plugin, installed with anyio
async def test_create_with_anyio(async_exa_client: ew.AsyncClient) -> None:
    page = await async_exa_client.list_webhooks()
    assert page.data == []
