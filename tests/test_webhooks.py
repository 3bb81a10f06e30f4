"""Webhook edges: odd but well-formed-looking bodies must get a 4xx, never a 500."""

from __future__ import annotations

from .support import System


async def test_telegram_update_whose_message_is_not_an_object_gets_400(system: System) -> None:
    response = await system.post_telegram({"update_id": 5, "message": "hello"})
    assert response.status_code == 400
    assert system.deliveries() == []


async def test_telegram_update_with_incomplete_message_gets_400(system: System) -> None:
    response = await system.post_telegram({"update_id": 6, "message": {"chat": 1}})
    assert response.status_code == 400
    assert "not a Telegram update" in response.text
    assert system.deliveries() == []
