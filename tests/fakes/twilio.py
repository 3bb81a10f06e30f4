"""A local Twilio Programmable Messaging API (2010-04-01) for integration tests and benchmarks.

It speaks Twilio's REST protocol, so the real `twilio` client talks to it unchanged once its
HTTP client sends ``https://api.twilio.com`` requests here (`HttpxTwilioClient(fake.base_url)`).
Sends are ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with a form body and HTTP
Basic auth; answers are Twilio's Message resource (201) or its error JSON, which the client
raises as `TwilioRestException` with the same `code` and `status`.

Like Twilio, the API only refuses what it can judge at once (auth, a bad number, an opted-out
recipient). Carrier failures (30xxx) happen after the 201, and reach the app as a status
callback; `fail_to` with such a code reproduces that, and `status_callback_params` builds the
callback's form.
"""

from __future__ import annotations

import asyncio
import base64
import re
import secrets
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from .faults import (
    DelayQueue,
    FailureQueue,
    InjectedDelay,
    InjectedFailure,
    SegmentWindow,
    SendCounts,
)
from .segments import sms_segments
from .server import FakeServer

DEFAULT_ACCOUNT_SID = "AC" + "1" * 32
DEFAULT_AUTH_TOKEN = "test-auth-token"
API_VERSION = "2010-04-01"
#: The number a Messaging Service "picks" when a send names no From (seen in status callbacks).
SERVICE_SENDER = "+15005550006"
MAX_BODY_LENGTH = 1600
#: Error codes at or above this are delivery failures, reported after the message is accepted.
FIRST_DELIVERY_ERROR = 30000

_ADDRESS = re.compile(r"^(whatsapp:)?\+[1-9]\d{6,14}$")

ERROR_MESSAGES = {
    20003: "Authenticate",
    20404: "The requested resource {path} was not found",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    20503: "Service Unavailable",
    21211: "Invalid 'To' Phone Number: {to}",
    21408: "Permission to send an SMS has not been enabled for the region indicated by the"
    " 'To' number: {to}",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21612: "The 'To' phone number: {to}, is not currently reachable using the 'From' phone"
    " number: {from_} via SMS.",
    21614: "'To' number is not a valid mobile number",
    21617: "The concatenated message body exceeds the 1600 character limit.",
}

# What Twilio reports in a status callback for the common carrier errors.
DELIVERY_ERROR_MESSAGES = {
    30003: "Unreachable destination handset",
    30004: "Message blocked",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
}


@dataclass(frozen=True)
class TwilioCall:
    """One Messages.json POST as the fake received it, and how it answered.

    `sid` is None and `error_code` set when the API refused it. `delivery_error_code` is set
    when it was accepted but is bound to fail at the carrier (see `FakeTwilio.fail_to`).
    """

    to: str | None
    from_: str | None
    messaging_service_sid: str | None
    body: str | None
    media_urls: list[str]
    status_callback: str | None
    content_sid: str | None
    content_variables: str | None
    sid: str | None
    at: float
    status: int = 201
    error_code: int | None = None
    delivery_error_code: int | None = None
    params: dict[str, list[str]] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return self.sid is not None

    @property
    def sender(self) -> str | None:
        """What Twilio rate-limits by: the From number, else the Messaging Service."""
        return self.from_ or self.messaging_service_sid


class TwilioApiError(Exception):
    """An error answer in Twilio's JSON form; the client raises it as TwilioRestException."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str | None = None,
        *,
        retry_after: int | None = None,
        **details: Any,
    ) -> None:
        template = ERROR_MESSAGES.get(code, DELIVERY_ERROR_MESSAGES.get(code, f"Error {code}"))
        self.message = message or template.format_map(_Blank(details))
        super().__init__(self.message)
        self.status = status
        self.code = code
        self.retry_after = retry_after

    def response(self) -> JSONResponse:
        body = {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }
        headers = {"WWW-Authenticate": 'Basic realm="Twilio API"'} if self.status == 401 else {}
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        return JSONResponse(body, status_code=self.status, headers=headers)


class _Blank(dict[str, Any]):
    """Formats missing template fields as empty text rather than failing."""

    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class _Media:
    data: bytes = field(repr=False)
    content_type: str


class FakeTwilio(SendCounts, FakeServer):
    """Twilio's Messages API for one account, served on ``127.0.0.1``.

    With `enforce_mps`, each sender (From number or Messaging Service) may have at most
    `enforce_mps` segments accepted in any trailing second (Twilio's MPS counts SMS
    segments; an MMS or a WhatsApp message is one); more get 429 code 20429 and are not
    accepted. (Twilio itself queues what is over the rate; refusing it shows a sender that
    does not keep to it.)
    """

    def __init__(
        self,
        account_sid: str = DEFAULT_ACCOUNT_SID,
        auth_token: str = DEFAULT_AUTH_TOKEN,
        *,
        enforce_mps: float | None = None,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self._lock = threading.Lock()
        self._requests: list[TwilioCall] = []
        self._resources: dict[str, dict[str, Any]] = {}
        self._media: dict[tuple[str, str], _Media] = {}
        self._media_failures: dict[tuple[str, str], int | None] = {}
        self.media_fetches = 0
        self._fail_to: dict[str, tuple[int, int]] = {}
        self._failures = FailureQueue()
        self._delays = DelayQueue()
        self._limiter = SegmentWindow(enforce_mps) if enforce_mps else None
        self._accepted_times: list[float] = []
        self._rejected_429 = 0
        messages = f"/{API_VERSION}/Accounts/{{account}}/Messages"
        app = Starlette(
            routes=[
                Route(f"{messages}.json", self._handle_create, methods=["POST"]),
                Route(f"{messages}/{{sid}}.json", self._handle_fetch, methods=["GET"]),
                Route(f"{messages}/{{sid}}/Media/{{media}}", self._handle_media, methods=["GET"]),
            ],
            exception_handlers={HTTPException: self._handle_http_exception},
        )
        super().__init__(app)

    # -- What tests inspect ------------------------------------------------------------------

    @property
    def requests(self) -> list[TwilioCall]:
        """Every create request so far, in arrival order, refused ones included."""
        with self._lock:
            return list(self._requests)

    @property
    def messages(self) -> list[TwilioCall]:
        """Messages the API accepted (201), in order."""
        return [call for call in self.requests if call.ok]

    def message(self, sid: str) -> TwilioCall:
        """The accepted message with this sid; KeyError if there is none."""
        for call in self.messages:
            if call.sid == sid:
                return call
        raise KeyError(sid)

    def clear(self) -> None:
        """Forget recorded requests and counters (not media, resources or failures)."""
        with self._lock:
            self._requests.clear()
            self._reset_counts()

    # -- What tests set up -------------------------------------------------------------------

    def fail_to(self, number: str, code: int, status: int = 400) -> None:
        """Every send to `number` (the exact To, e.g. ``whatsapp:+1...``) fails with `code`.

        API codes (21211 invalid number, 21610 unsubscribed, 21614 not mobile, ...) refuse the
        send with HTTP `status`. Carrier codes (30003, 30005, 30006, ...) are accepted with 201
        as Twilio does; the failure shows in `status_callback_params(sid, "undelivered")`.
        """
        with self._lock:
            self._fail_to[number] = (code, status)

    def fail_next(
        self,
        n: int = 1,
        status: int = 500,
        code: int | None = None,
        retry_after: int | None = None,
    ) -> None:
        """The next `n` sends answer HTTP `status` (code 20000 + status unless given), with
        a ``Retry-After: retry_after`` header if given (as Twilio may send with a 429)."""
        with self._lock:
            failure = InjectedFailure(
                n, status, code=code or 20000 + status, retry_after=retry_after
            )
            self._failures.add(failure)

    def delay_next(self, n: int = 1, seconds: float = 1.0, to: str | None = None) -> None:
        """The next `n` sends (to `to` only, if given) are answered `seconds` late, then
        handled as usual: a slow API."""
        with self._lock:
            self._delays.add(InjectedDelay(n, seconds, to, answer=True))

    def hang_next(self, n: int = 1, seconds: float = 60.0, to: str | None = None) -> None:
        """The next `n` sends (to `to` only, if given) hang for `seconds`, then get a 504
        and are not accepted: a request that never comes back."""
        with self._lock:
            self._delays.add(InjectedDelay(n, seconds, to, answer=False))

    def reset_failures(self) -> None:
        """Undo `fail_to` and `fail_media`, and drop queued `fail_next` failures."""
        with self._lock:
            self._fail_to.clear()
            self._failures.clear()
            self._delays.clear()
            self._media_failures.clear()

    def fail_media(self, url: str, times: int | None = None) -> None:
        """Fetching the media at `url` answers 500, `times` times (None: always)."""
        key = tuple(url.rstrip("/").split("/")[-3::2])
        with self._lock:
            self._media_failures[(key[0], key[1])] = times

    def add_media(self, data: bytes, content_type: str = "image/jpeg") -> str:
        """Register an inbound MMS attachment; return its URL as Twilio's webhook would give it.

        The server must be running, since the URL names its port.
        """
        message_sid = "MM" + secrets.token_hex(16)
        media_sid = "ME" + secrets.token_hex(16)
        with self._lock:
            self._media[(message_sid, media_sid)] = _Media(bytes(data), content_type)
        messages = f"{self.base_url}/{API_VERSION}/Accounts/{self.account_sid}/Messages"
        return f"{messages}/{message_sid}/Media/{media_sid}"

    def status_callback_params(
        self, message_sid: str, status: str, error_code: int | None = None
    ) -> dict[str, str]:
        """The form Twilio POSTs to a message's StatusCallback when it reaches `status`.

        For "undelivered" or "failed" the ErrorCode defaults to the message's `fail_to` code.
        """
        call = self.message(message_sid)
        if error_code is None and status in ("undelivered", "failed"):
            error_code = call.delivery_error_code
        params = {
            "SmsSid": message_sid,
            "SmsStatus": status,
            "MessageStatus": status,
            "To": call.to or "",
            "MessageSid": message_sid,
            "AccountSid": self.account_sid,
            "From": call.from_ or SERVICE_SENDER,
            "ApiVersion": API_VERSION,
        }
        if call.messaging_service_sid:
            params["MessagingServiceSid"] = call.messaging_service_sid
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return params

    def sign(self, url: str, params: dict[str, str]) -> str:
        """The ``X-Twilio-Signature`` Twilio would send with `params` posted to `url`."""
        return RequestValidator(self.auth_token).compute_signature(url, params)

    def set_status(self, message_sid: str, status: str, error_code: int | None = None) -> None:
        """Move a message on (e.g. to "delivered"), as a later fetch of it would show.

        For "undelivered" or "failed" the error code defaults to the message's `fail_to` code.
        """
        if error_code is None and status in ("undelivered", "failed"):
            error_code = self.message(message_sid).delivery_error_code
        with self._lock:
            resource = dict(self._resources[message_sid])
            resource["status"] = status
            resource["error_code"] = error_code
            resource["error_message"] = DELIVERY_ERROR_MESSAGES.get(error_code or 0)
            resource["date_updated"] = _rfc2822_now()
            self._resources[message_sid] = resource

    # -- HTTP --------------------------------------------------------------------------------

    async def _handle_create(self, request: Request) -> Response:
        at = time.monotonic()
        async with request.form() as form:
            fields = {key: [str(value) for value in form.getlist(key)] for key in form}
        call = _call_from_fields(fields, at)
        with self._lock:
            delay = self._delays.take(call.to)
        if delay is not None:
            await asyncio.sleep(delay.seconds)
            call = replace(call, at=time.monotonic())  # it arrives now, as far as limits go
            if not delay.answer:
                with self._lock:
                    self._requests.append(replace(call, status=504, error_code=20504))
                return TwilioApiError(504, 20504, "Gateway Timeout").response()
        with self._lock:
            try:
                self._authorize(request)
                accepted, resource = self._create(call, request.path_params["account"])
            except TwilioApiError as error:
                if error.status == 429:
                    self._rejected_429 += 1
                self._requests.append(replace(call, status=error.status, error_code=error.code))
                return error.response()
            self._requests.append(accepted)
        return JSONResponse(resource, status_code=201)

    async def _handle_fetch(self, request: Request) -> Response:
        with self._lock:
            try:
                self._authorize(request)
                resource = self._resources.get(request.path_params["sid"])
                if resource is None:
                    raise TwilioApiError(404, 20404, path=request.url.path)
            except TwilioApiError as error:
                return error.response()
        return JSONResponse(resource)

    async def _handle_media(self, request: Request) -> Response:
        key = (request.path_params["sid"], request.path_params["media"])
        with self._lock:
            try:
                self._authorize(request)
                self.media_fetches += 1
                if key in self._media_failures:
                    left = self._media_failures[key]
                    if left is None or left > 0:
                        if left is not None:
                            self._media_failures[key] = left - 1
                        raise TwilioApiError(500, 20500, path=request.url.path)
                media = self._media.get(key)
                if media is None:
                    raise TwilioApiError(404, 20404, path=request.url.path)
            except TwilioApiError as error:
                return error.response()
        return Response(media.data, media_type=media.content_type)

    async def _handle_http_exception(self, request: Request, exc: Exception) -> Response:
        # Unknown paths and methods answer in Twilio's error form too.
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        code = 20404 if status == 404 else 20000 + status
        return TwilioApiError(status, code, path=request.url.path).response()

    # -- Rules (called with the lock held) ---------------------------------------------------

    def _authorize(self, request: Request) -> None:
        credentials = _basic_credentials(request)
        if credentials is None or not (
            secrets.compare_digest(credentials[0], self.account_sid)
            and secrets.compare_digest(credentials[1], self.auth_token)
        ):
            raise TwilioApiError(401, 20003)
        if request.path_params.get("account") != self.account_sid:
            raise TwilioApiError(404, 20404, path=request.url.path)

    def _create(self, call: TwilioCall, account: str) -> tuple[TwilioCall, dict[str, Any]]:
        """Judge a send in Twilio's order; if accepted, the call with its sid, and the resource.

        Injected server failures come first, then validation, then the recipient's fate, then
        the rate limit, so a refused send never uses up the sender's rate.
        """
        failure = self._failures.take(None)
        if failure is not None:
            code = failure.code or 20000 + failure.status
            raise TwilioApiError(failure.status, code, retry_after=failure.retry_after)
        details = {"to": call.to, "from_": call.from_}
        if not call.to:
            raise TwilioApiError(400, 21604)
        if not call.sender:
            raise TwilioApiError(400, 21603)
        if not (call.body or call.media_urls or call.content_sid):
            raise TwilioApiError(400, 21602)
        if call.body and len(call.body) > MAX_BODY_LENGTH:
            raise TwilioApiError(400, 21617)
        if not _ADDRESS.match(call.to):
            raise TwilioApiError(400, 21211, **details)
        delivery_error = None
        if call.to in self._fail_to:
            code, status = self._fail_to[call.to]
            if code < FIRST_DELIVERY_ERROR:
                raise TwilioApiError(status, code, **details)
            delivery_error = code
        if self._limiter is not None and not self._limiter.accept(
            call.sender, call.at, _rate_cost(call)
        ):
            raise TwilioApiError(429, 20429)
        self._accepted_times.append(call.at)
        resource = _message_resource(call, account)
        self._resources[resource["sid"]] = resource
        return replace(call, sid=resource["sid"], delivery_error_code=delivery_error), resource


def _call_from_fields(fields: dict[str, list[str]], at: float) -> TwilioCall:
    def one(name: str) -> str | None:
        values = fields.get(name)
        return values[-1] if values else None

    return TwilioCall(
        to=one("To"),
        from_=one("From"),
        messaging_service_sid=one("MessagingServiceSid"),
        body=one("Body"),
        media_urls=fields.get("MediaUrl", []),
        status_callback=one("StatusCallback"),
        content_sid=one("ContentSid"),
        content_variables=one("ContentVariables"),
        sid=None,
        at=at,
        params=fields,
    )


def _message_resource(call: TwilioCall, account: str) -> dict[str, Any]:
    """A Message resource as Twilio's create answers it."""
    sid = ("MM" if call.media_urls else "SM") + secrets.token_hex(16)
    uri = f"/{API_VERSION}/Accounts/{account}/Messages/{sid}.json"
    now = _rfc2822_now()
    body = call.body or ""
    whatsapp = (call.to or "").startswith("whatsapp:")
    return {
        "account_sid": account,
        "api_version": API_VERSION,
        "body": body,
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": call.from_,
        "messaging_service_sid": call.messaging_service_sid,
        "num_media": str(len(call.media_urls)),
        "num_segments": _num_segments(call, body, whatsapp),
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        # A Messaging Service first "accepts" a message, then queues it from its pool.
        "status": "accepted" if call.messaging_service_sid else "queued",
        "subresource_uris": {"media": uri.removesuffix(".json") + "/Media.json"},
        "to": call.to,
        "uri": uri,
    }


def _rate_cost(call: TwilioCall) -> int:
    """What a send takes of its sender's MPS: its SMS segments; one for MMS and WhatsApp."""
    if (call.to or "").startswith("whatsapp:") or call.media_urls or not call.body:
        return 1
    return sms_segments(call.body)


def _num_segments(call: TwilioCall, body: str, whatsapp: bool) -> str:
    """Twilio's count in its answer: "0" through a Messaging Service (no sender is picked
    yet), "1" for WhatsApp and for an MMS (billed as one message), else the SMS segments
    the carrier will bill (`segments.sms_segments`)."""
    if call.messaging_service_sid:
        return "0"
    if whatsapp or call.media_urls:
        return "1"
    return str(sms_segments(body))


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
    except ValueError:
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


def _rfc2822_now() -> str:
    return format_datetime(datetime.now(UTC))
