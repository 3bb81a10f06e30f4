"""A local Telegram Bot API server for integration tests and benchmarks.

It speaks the Bot API's HTTP protocol, so the real `telegram.Bot` talks to it unchanged:

    with FakeTelegram() as fake:
        bot = telegram.Bot(
            fake.token, base_url=f"{fake.base_url}/bot", base_file_url=f"{fake.base_url}/file/bot"
        )

Requests are ``POST /bot<token>/<method>`` with a JSON, URL-encoded or multipart body (python-
telegram-bot sends form bodies whose values are JSON-encoded; uploads go as multipart parts).
Answers are ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N,
"description": ...}``, with Telegram's own error texts, so code that inspects errors sees what
production would show it. Tests can block chats, queue failures and turn on Telegram's flood
limits; every request is recorded.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .faults import (
    DelayQueue,
    FailureQueue,
    InjectedDelay,
    InjectedFailure,
    RateLimiter,
    SendCounts,
)
from .images import image_size
from .server import FakeServer

DEFAULT_TOKEN = "123456:TEST"
DEFAULT_USERNAME = "commbot_test_bot"

#: Methods that deliver a message; failure injection and flood limits apply to these.
SEND_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendMediaGroup",
        "sendDocument",
        "sendAudio",
        "sendVoice",
        "sendVideo",
        "sendVideoNote",
        "sendAnimation",
    }
)
# The file-sending methods besides sendPhoto: (parameter, message field, stored path prefix).
FILE_METHODS = {
    "sendDocument": ("document", "document", "documents/"),
    "sendAudio": ("audio", "audio", "music/"),
    "sendVoice": ("voice", "voice", "voice/"),
    "sendVideo": ("video", "video", "videos/"),
    "sendVideoNote": ("video_note", "video_note", "video_notes/"),
    "sendAnimation": ("animation", "animation", "animations/"),
}

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
PARSE_MODES = frozenset({"HTML", "Markdown", "MarkdownV2"})

# Form values arrive JSON-encoded except plain strings; these fields are always plain strings,
# so "42" stays the text "42" and is not turned into a number.
_STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "url",
        "secret_token",
        "ip_address",
        "callback_query_id",
        "file_id",
        "photo",
        "document",
        "audio",
        "voice",
        "video",
        "video_note",
        "animation",
        "inline_message_id",
        "business_connection_id",
        "message_effect_id",
    }
)
_JSON_FIELDS = frozenset(
    {"reply_markup", "reply_parameters", "allowed_updates", "media", "entities", "caption_entities"}
)
_WELL_FORMED_TOKEN = re.compile(r"^\d+:[\w-]+$")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_NUMERIC = re.compile(r"^-?\d+$")
_SUPERGROUP_IDS_BELOW = -1_000_000_000_000

_STATUS_DESCRIPTIONS = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

ChatId = int | str
JSONDict = dict[str, Any]


@dataclass(frozen=True)
class TelegramCall:
    """One Bot API request as the fake received it, and how it answered.

    `params` hold decoded values (chat_id as int, reply_markup as dict); `files` hold the bytes
    of uploaded multipart parts by part name (``"photo"`` for `send_photo`).
    """

    method: str
    params: JSONDict
    files: dict[str, bytes]
    at: float
    status: int = 200
    result: Any = None
    description: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> ChatId | None:
        return self.params.get("chat_id")


class TelegramApiError(Exception):
    """An error answer; handlers raise it and the request handler turns it into JSON."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _bad_request(detail: str) -> TelegramApiError:
    return TelegramApiError(400, f"Bad Request: {detail}")


def _too_many_requests(retry_after: int) -> TelegramApiError:
    return TelegramApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)


@dataclass(frozen=True)
class StoredFile:
    """A file the fake can serve from ``/file/bot<token>/<file_path>``."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes = field(repr=False)

    def as_photo_size(self) -> JSONDict:
        width, height = image_size(self.data)
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "width": width,
            "height": height,
        }


Handler = Callable[[JSONDict, dict[str, bytes], float], Any]


class FakeTelegram(SendCounts, FakeServer):
    """The Bot API for one bot, `token`, served on ``127.0.0.1``.

    With `enforce_limits`, sends are held to Telegram's flood limits: one message per chat per
    ``1 / per_chat_per_second`` seconds and `global_per_second` messages in any one second.
    Sends over a limit get 429 with ``retry_after`` 1 and are not delivered.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        username: str = DEFAULT_USERNAME,
        enforce_limits: bool = False,
        global_per_second: int = 30,
        per_chat_per_second: float = 1.0,
    ) -> None:
        self.token = token
        bot_id = int(token.split(":", 1)[0]) if _WELL_FORMED_TOKEN.match(token) else 1
        self.bot_user: JSONDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Commbot Test",
            "username": username,
        }
        self._lock = threading.Lock()
        self._requests: list[TelegramCall] = []
        self._downloads: list[str] = []
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._messages: dict[tuple[ChatId, int], JSONDict] = {}
        self._last_message_id: dict[ChatId, int] = {}
        self._blocked: set[ChatId] = set()
        self._missing: set[ChatId] = set()
        self._failures = FailureQueue()
        self._delays = DelayQueue()
        self._limiter = (
            RateLimiter(1.0 / per_chat_per_second, global_per_second) if enforce_limits else None
        )
        self._accepted_times: list[float] = []
        self._rejected_429 = 0
        self._webhook: JSONDict | None = None
        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendMediaGroup": self._send_media_group,
            **{name: self._file_sender(name) for name in FILE_METHODS},
            "getFile": self._get_file,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "answerCallbackQuery": self._answer_callback_query,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
        }
        # Telegram matches method names case-insensitively; record them by their usual spelling.
        self._handlers = {name.lower(): (name, handler) for name, handler in handlers.items()}
        app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._handle_api, methods=["GET", "POST"]),
                Route("/file/bot{token}/{file_path:path}", self._handle_download),
            ]
        )
        super().__init__(app)

    # -- What tests inspect ------------------------------------------------------------------

    @property
    def requests(self) -> list[TelegramCall]:
        """Every API request so far, in arrival order, failed ones included."""
        with self._lock:
            return list(self._requests)

    def calls(self, method: str) -> list[TelegramCall]:
        """Requests for one method (any outcome), e.g. ``fake.calls("answerCallbackQuery")``."""
        return [call for call in self.requests if call.method == method]

    def sent_messages(self, chat_id: ChatId | None = None) -> list[TelegramCall]:
        """Sends that were delivered (not refused or failed), optionally to one chat."""
        return [
            call
            for call in self.requests
            if call.method in SEND_METHODS
            and call.ok
            and (chat_id is None or call.chat_id == chat_id)
        ]

    @property
    def downloads(self) -> list[str]:
        """File paths served from the file endpoint, in order."""
        with self._lock:
            return list(self._downloads)

    @property
    def webhook(self) -> JSONDict | None:
        """The last `setWebhook` parameters (url, secret_token, allowed_updates, ...) or None."""
        with self._lock:
            return None if self._webhook is None else dict(self._webhook)

    def clear(self) -> None:
        """Forget recorded requests, downloads and counters (not files, chats or failures)."""
        with self._lock:
            self._requests.clear()
            self._downloads.clear()
            self._reset_counts()

    # -- What tests set up -------------------------------------------------------------------

    def add_file(
        self, data: bytes, file_id: str | None = None, *, file_path: str | None = None
    ) -> str:
        """Register a file as if a user had sent it; return its file_id for an update."""
        with self._lock:
            return self._store_file(data, file_id=file_id, file_path=file_path).file_id

    def block_chat(self, chat_id: ChatId) -> None:
        """The user blocked the bot: sends to the chat answer 403."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: ChatId) -> None:
        with self._lock:
            self._blocked.discard(chat_id)

    def reset_failures(self) -> None:
        """Forget blocked and missing chats and injected failures."""
        with self._lock:
            self._blocked.clear()
            self._missing.clear()
            self._failures.clear()
            self._delays.clear()

    def missing_chat(self, chat_id: ChatId) -> None:
        """The chat does not exist (or the user never started the bot): sends answer 400."""
        with self._lock:
            self._missing.add(chat_id)

    def fail_next(
        self,
        n: int = 1,
        status: int = 500,
        retry_after: int | None = None,
        chat_id: ChatId | None = None,
    ) -> None:
        """The next `n` sends (to `chat_id` only, if given) answer HTTP `status`.

        A 429 carries ``parameters.retry_after`` (default 1), which python-telegram-bot raises
        as `RetryAfter`.
        """
        if status == 429 and retry_after is None:
            retry_after = 1
        with self._lock:
            self._failures.add(InjectedFailure(n, status, chat_id, retry_after=retry_after))

    def delay_next(self, n: int = 1, seconds: float = 1.0, chat_id: ChatId | None = None) -> None:
        """The next `n` sends (to `chat_id` only, if given) are answered `seconds` late,
        then handled as usual: a slow API."""
        with self._lock:
            self._delays.add(InjectedDelay(n, seconds, chat_id, answer=True))

    def hang_next(self, n: int = 1, seconds: float = 60.0, chat_id: ChatId | None = None) -> None:
        """The next `n` sends (to `chat_id` only, if given) hang for `seconds`, then get a
        504 and are not delivered: a request that never comes back."""
        with self._lock:
            self._delays.add(InjectedDelay(n, seconds, chat_id, answer=False))

    # -- HTTP --------------------------------------------------------------------------------

    async def _handle_api(self, request: Request) -> Response:
        token: str = request.path_params["token"]
        name: str = request.path_params["method"]
        at = time.monotonic()
        method, handler = self._handlers.get(name.lower(), (name, None))
        params: JSONDict = {}
        files: dict[str, bytes] = {}
        try:
            params, files = await _read_params(request)
            delay = None
            if method in SEND_METHODS:
                with self._lock:
                    delay = self._delays.take(params.get("chat_id"))
            if delay is not None:
                await asyncio.sleep(delay.seconds)
                if not delay.answer:
                    raise TelegramApiError(504, "Gateway Timeout")
            with self._lock:
                # Arrival is stamped under the lock, after the body is read, so concurrent
                # requests are admitted (and rate-counted) in the order they are stamped.
                at = time.monotonic()
                if token != self.token:
                    raise _token_error(token)
                if handler is None:
                    raise TelegramApiError(404, "Not Found")
                result = handler(params, files, at)
                self._requests.append(TelegramCall(method, params, files, at, result=result))
        except TelegramApiError as error:
            with self._lock:
                if error.status == 429 and method in SEND_METHODS:
                    self._rejected_429 += 1
                call = TelegramCall(
                    method, params, files, at, error.status, description=error.description
                )
                self._requests.append(call)
            return JSONResponse(error.body(), status_code=error.status)
        return JSONResponse({"ok": True, "result": result})

    async def _handle_download(self, request: Request) -> Response:
        file_path: str = request.path_params["file_path"]
        with self._lock:
            stored = None
            if request.path_params["token"] == self.token:
                stored = self._files_by_path.get(file_path)
            if stored is None:
                return JSONResponse(TelegramApiError(404, "Not Found").body(), status_code=404)
            self._downloads.append(file_path)
        return Response(stored.data, media_type="application/octet-stream")

    # -- Bot API methods (called with the lock held) -----------------------------------------

    def _get_me(self, params: JSONDict, files: dict[str, bytes], at: float) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _send_message(self, params: JSONDict, files: dict[str, bytes], at: float) -> JSONDict:
        chat_id = self._start_send(params)
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad_request("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")
        _check_parse_mode(params)
        markup = _reply_markup(params)
        self._admit_send(chat_id, at)
        return self._new_message(chat_id, params, markup, text=text)

    def _send_photo(self, params: JSONDict, files: dict[str, bytes], at: float) -> JSONDict:
        chat_id = self._start_send(params)
        source = self._photo_source(params.get("photo"), files.get("photo"), files)
        caption = _caption(params)
        markup = _reply_markup(params)
        self._admit_send(chat_id, at)
        photo = self._photo_file(source)
        return self._new_message(
            chat_id, params, markup, photo=[photo.as_photo_size()], caption=caption
        )

    def _file_sender(self, method: str) -> Handler:
        parameter, field_name, prefix = FILE_METHODS[method]

        def send(params: JSONDict, files: dict[str, bytes], at: float) -> JSONDict:
            chat_id = self._start_send(params)
            source = self._photo_source(params.get(parameter), files.get(parameter), files)
            caption = None if method == "sendVideoNote" else _caption(params)
            if method == "sendVideoNote" and params.get("caption") is not None:
                raise _bad_request("video notes take no caption")
            markup = _reply_markup(params)
            self._admit_send(chat_id, at)
            stored = (
                source
                if isinstance(source, StoredFile)
                else self._store_file(source, prefix=prefix)
            )
            sent: JSONDict = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
            if method == "sendVideoNote":
                sent |= {"length": 240, "duration": 1}
            elif method in ("sendVideo", "sendAnimation"):
                sent |= {"width": 1, "height": 1, "duration": 1}
            elif method in ("sendVoice", "sendAudio"):
                sent |= {"duration": 1}
            return self._new_message(chat_id, params, markup, caption=caption, **{field_name: sent})

        return send

    def _send_media_group(
        self, params: JSONDict, files: dict[str, bytes], at: float
    ) -> list[JSONDict]:
        chat_id = self._start_send(params)
        media = params.get("media")
        if not isinstance(media, list) or not media:
            raise _bad_request("media group is empty")
        sources = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") != "photo":
                kind = item.get("type") if isinstance(item, dict) else item
                raise _bad_request(f"media type {kind!r} is not supported by the fake")
            caption = _caption(item)
            sources.append((self._photo_source(item.get("media"), None, files), caption))
        self._admit_send(chat_id, at)
        group_id = str(secrets.randbelow(10**18))
        return [
            self._new_message(
                chat_id,
                params,
                None,
                photo=[self._photo_file(source).as_photo_size()],
                caption=caption,
                media_group_id=group_id,
            )
            for source, caption in sources
        ]

    def _get_file(self, params: JSONDict, files: dict[str, bytes], at: float) -> JSONDict:
        stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise _bad_request("invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD_SIZE:
            raise _bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    def _set_webhook(self, params: JSONDict, files: dict[str, bytes], at: float) -> bool:
        url = str(params.get("url", ""))
        if not url:  # an empty URL removes the webhook, as with Telegram
            self._webhook = None
            return True
        if not url.startswith("https://"):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.match(str(secret)):
            raise _bad_request("secret token contains unallowed characters")
        self._webhook = {
            "url": url,
            "secret_token": secret,
            "allowed_updates": params.get("allowed_updates"),
            "max_connections": params.get("max_connections", 40),
            "drop_pending_updates": params.get("drop_pending_updates", False),
        }
        return True

    def _delete_webhook(self, params: JSONDict, files: dict[str, bytes], at: float) -> bool:
        self._webhook = None
        return True

    def _get_webhook_info(self, params: JSONDict, files: dict[str, bytes], at: float) -> JSONDict:
        info: JSONDict = {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        if self._webhook is not None:
            info["url"] = self._webhook["url"]
            info["max_connections"] = self._webhook["max_connections"]
            if self._webhook["allowed_updates"] is not None:
                info["allowed_updates"] = self._webhook["allowed_updates"]
        return info

    def _answer_callback_query(self, params: JSONDict, files: dict[str, bytes], at: float) -> bool:
        if not params.get("callback_query_id"):
            raise _bad_request("QUERY_ID_INVALID")
        return True

    def _edit_message_text(
        self, params: JSONDict, files: dict[str, bytes], at: float
    ) -> JSONDict | bool:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _bad_request("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise _bad_request("message is too long")
        _check_parse_mode(params)
        markup = _reply_markup(params)
        key = self._edit_target(params)
        if key is None:  # an inline message: Telegram answers True, not the message
            return True
        old = self._messages[key]
        if "text" not in old:
            raise _bad_request("there is no text in the message to edit")
        return self._replace_message(key, old, {"text": text}, markup)

    def _edit_message_reply_markup(
        self, params: JSONDict, files: dict[str, bytes], at: float
    ) -> JSONDict | bool:
        markup = _reply_markup(params)
        key = self._edit_target(params)
        if key is None:
            return True
        return self._replace_message(key, self._messages[key], {}, markup)

    # -- Helpers (called with the lock held) -------------------------------------------------

    def _check_chat(self, params: JSONDict) -> ChatId:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise _bad_request("chat_id is empty")
        if chat_id in self._blocked:
            raise TelegramApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id in self._missing:
            raise _bad_request("chat not found")
        return chat_id

    def _start_send(self, params: JSONDict) -> ChatId:
        """Injected failures come first (the server failed before looking), then the chat."""
        failure = self._failures.take(params.get("chat_id"))
        if failure is not None:
            if failure.status == 429:
                raise _too_many_requests(failure.retry_after or 1)
            description = _STATUS_DESCRIPTIONS.get(failure.status, "Error")
            raise TelegramApiError(failure.status, description, failure.retry_after)
        return self._check_chat(params)

    def _admit_send(self, chat_id: ChatId, at: float) -> None:
        """Apply the flood limits to a valid send and count it as delivered."""
        if self._limiter is not None and not self._limiter.accept(chat_id, at):
            raise _too_many_requests(1)
        self._accepted_times.append(at)

    def _new_message(
        self, chat_id: ChatId, params: JSONDict, markup: JSONDict | None, **content: Any
    ) -> JSONDict:
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        message: JSONDict = {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": _chat(chat_id),
            "date": int(time.time()),
            **{key: value for key, value in content.items() if value is not None},
        }
        replied = self._messages.get((chat_id, _reply_to_id(params) or 0))
        if replied is not None:
            # Telegram nests the replied-to message one level deep only.
            replied = {key: value for key, value in replied.items() if key != "reply_to_message"}
            message["reply_to_message"] = replied
        if markup is not None and "inline_keyboard" in markup:  # only inline keyboards echo back
            message["reply_markup"] = markup
        self._messages[(chat_id, message_id)] = message
        return message

    def _edit_target(self, params: JSONDict) -> tuple[ChatId, int] | None:
        if params.get("inline_message_id"):
            return None
        chat_id = self._check_chat(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int) or (chat_id, message_id) not in self._messages:
            raise _bad_request("message to edit not found")
        return chat_id, message_id

    def _replace_message(
        self,
        key: tuple[ChatId, int],
        old: JSONDict,
        changes: JSONDict,
        markup: JSONDict | None,
    ) -> JSONDict:
        # Stored messages are never mutated: a response being serialized may still hold one.
        new = {k: v for k, v in old.items() if k not in ("reply_markup", "edit_date")}
        new.update(changes)
        if markup is not None and "inline_keyboard" in markup:
            new["reply_markup"] = markup
        unchanged = {k: v for k, v in old.items() if k != "edit_date"}
        if new == unchanged:
            raise _bad_request(
                "message is not modified: specified new message content and reply markup of the"
                " message are exactly the same as a current content and reply markup of the"
                " message"
            )
        new["edit_date"] = int(time.time())
        self._messages[key] = new
        return new

    def _photo_source(
        self, value: Any, upload: bytes | None, files: dict[str, bytes]
    ) -> StoredFile | bytes:
        """What a photo parameter refers to: a known file, or new bytes to store once sent."""
        if upload is not None:
            data = upload
        elif isinstance(value, str) and value.startswith("attach://"):
            data = files.get(value.removeprefix("attach://"), b"")
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            return b""  # Telegram would fetch the URL; the fake records it and stores nothing
        elif isinstance(value, str) and value:
            stored = self._files.get(value)
            if stored is None:
                raise _bad_request("wrong file identifier/HTTP URL specified")
            return stored
        else:
            raise _bad_request("there is no photo in the request")
        if not data:
            raise _bad_request("file must be non-empty")
        return data

    def _photo_file(self, source: StoredFile | bytes) -> StoredFile:
        if isinstance(source, StoredFile):
            return source
        return self._store_file(source, prefix="photos/", suffix=".jpg")

    def _store_file(
        self,
        data: bytes,
        *,
        file_id: str | None = None,
        file_path: str | None = None,
        prefix: str = "documents/",
        suffix: str = "",
    ) -> StoredFile:
        number = len(self._files)
        stored = StoredFile(
            file_id=file_id or "AgAC" + secrets.token_urlsafe(48),
            file_unique_id="AQAD" + secrets.token_urlsafe(9),
            file_path=file_path or f"{prefix}file_{number}{suffix}",
            data=bytes(data),
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored


async def _read_params(request: Request) -> tuple[JSONDict, dict[str, bytes]]:
    """Decode a Bot API request from its query string and JSON, form or multipart body."""
    query = request.query_params
    params: JSONDict = {key: _decode_field(key, value) for key, value in query.items()}
    files: dict[str, bytes] = {}
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        try:
            body = await request.json()
        except ValueError as error:
            raise _bad_request("can't parse JSON object") from error
        if isinstance(body, dict):
            params.update(body)
    elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        async with request.form() as form:
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    files[key] = await value.read()
                else:
                    params[key] = _decode_field(key, value)
    for key in _JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            params[key] = _loads_or_keep(params[key])
    for key in ("chat_id", "from_chat_id"):
        value = params.get(key)
        if isinstance(value, str) and _NUMERIC.match(value):
            params[key] = int(value)
    return params, files


def _decode_field(name: str, value: str) -> Any:
    return value if name in _STRING_FIELDS else _loads_or_keep(value)


def _loads_or_keep(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def _token_error(token: str) -> TelegramApiError:
    # Telegram answers 401 for a well-formed token it does not know, 404 for anything else.
    if _WELL_FORMED_TOKEN.match(token):
        return TelegramApiError(401, "Unauthorized")
    return TelegramApiError(404, "Not Found")


def _chat(chat_id: ChatId) -> JSONDict:
    if isinstance(chat_id, str):  # "@channelusername"
        name = chat_id.removeprefix("@")
        return {"id": chat_id, "type": "channel", "title": name, "username": name}
    if chat_id > 0:
        return {"id": chat_id, "type": "private"}
    kind = "supergroup" if chat_id < _SUPERGROUP_IDS_BELOW else "group"
    return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}


def _check_parse_mode(params: JSONDict) -> None:
    parse_mode = params.get("parse_mode")
    if parse_mode not in (None, "", *PARSE_MODES):
        raise _bad_request("unsupported parse_mode")


def _caption(params: JSONDict) -> str | None:
    caption = params.get("caption")
    if caption is not None and len(str(caption)) > MAX_CAPTION_LENGTH:
        raise _bad_request("message caption is too long")
    _check_parse_mode(params)
    return None if caption is None else str(caption)


def _reply_markup(params: JSONDict) -> JSONDict | None:
    markup = params.get("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    return markup


def _reply_to_id(params: JSONDict) -> int | None:
    reply = params.get("reply_parameters")
    if isinstance(reply, dict) and isinstance(reply.get("message_id"), int):
        return reply["message_id"]
    reply_to = params.get("reply_to_message_id")
    return reply_to if isinstance(reply_to, int) else None
