"""Captions from a VLM behind any OpenAI-compatible chat-completions server (vLLM, SGLang, Ollama, LMDeploy).

The prompt hands over the OCR lines and asks for a factual description quoting each one
exactly. Every answer is checked (`check_quotes`); a failing one is sent back once or twice
with what was wrong, then the fused caption is used instead. Timeouts, connection errors,
HTTP 5xx and 429 get bounded retries with backoff (429 honours Retry-After, capped); after
that the sample falls back too, and after several such samples in a row the server is left
alone for a minute (samples fall back at once, reason "server_down"). The server can misbehave in any way: the run goes on, and
each record says what happened (`recaption.outcome`, `recaption.reason`).
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import os
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from textsynth.recaption.fuse import QuoteCheck, check_quotes

PROMPT_VERSION = 1  # part of the run's fingerprint: a changed prompt is a different dataset
MAX_IMAGE_SIDE = 1536  # larger images are sent downscaled (OCR still ran on the full image)
API_KEY_ENV = "TEXTSYNTH_VLM_API_KEY"


@dataclass(frozen=True)
class VlmSettings:
    url: str
    model: str
    timeout: float = 60.0  # seconds per request
    retries: int = 3  # extra tries of one request after a timeout, connection error, 5xx or 429
    repairs: int = 2  # times a misquoting answer is sent back with what was wrong
    backoff: float = 1.0  # seconds before the first retry; doubles each time
    max_backoff: float = 30.0
    concurrency: int = 4  # requests in flight per worker process
    max_tokens: int = 512
    pause_after: int = 8  # samples in a row the server failed: stop asking it for pause_s seconds
    pause_s: float = 60.0

    def endpoint(self) -> str:
        url = self.url.rstrip("/")
        if url.endswith("/chat/completions"):
            return url
        return url + ("/chat/completions" if url.endswith("/v1") else "/v1/chat/completions")


@dataclass
class VlmResult:
    caption: str | None  # None: use the fused caption
    outcome: str  # "ok", "repaired" or "fallback"
    reason: str  # why it fell back: "misquote", "timeout", "connection", "http_500", "rate_limited", ...
    requests: int


class VlmUnavailable(Exception):
    def __init__(self, reason: str, requests: int):
        super().__init__(reason)
        self.reason, self.requests = reason, requests


def build_prompt(lines: list[str], original: str) -> str:
    numbered = "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))
    context = f"\n原有描述（仅供参考，可能不准确）：{original}\n" if original else ""
    return (
        "请用中文客观地描述这张图片（60到200字）：画面主体、场景、颜色，以及文字所在的位置。\n"
        f"图中的文字已由OCR识别，共{len(lines)}条：\n{numbered}\n"
        "要求：\n"
        "- 上面每一条文字都必须用中文双引号“”原样引用，一个字都不能改，不要合并或拆分；\n"
        "- 除这些文字外，不要用任何引号引用其他内容；\n"
        "- 不要猜测看不清的文字，不要使用主观评价。\n"
        f"{context}只输出描述本身。"
    )


def repair_prompt(check: QuoteCheck) -> str:
    said = []
    if check.missing:
        said.append("缺少或改动了这些文字：" + "、".join(f"“{t}”" for t in check.missing))
    if check.extra:
        said.append("引用了图中OCR没有识别到的内容：" + "、".join(f"“{t}”" for t in check.extra))
    return (
        "你的描述没有通过检查："
        + "；".join(said)
        + "。请改正：每条OCR文字都用“”原样引用，不引用其他内容。只输出完整的新描述。"
    )


def image_data_url(jpeg: bytes) -> str:
    from PIL import Image

    with Image.open(io.BytesIO(jpeg)) as image:
        if max(image.size) > MAX_IMAGE_SIDE:
            image = image.convert("RGB")
            image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE), Image.BICUBIC)
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=90)
            jpeg = buffer.getvalue()
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


class VlmClient:
    """One server; safe to use from several threads (each request is its own connection)."""

    def __init__(self, settings: VlmSettings, sleep=time.sleep):
        self.settings = settings
        self.sleep = sleep
        # a server that is down would cost every sample its full retries: after `pause_after` failed
        # samples in a row, samples fall back at once ("server_down") until the pause is over
        self._lock = threading.Lock()
        self._failed_in_a_row = 0
        self._paused_until = 0.0

    def chat(self, messages: list[dict[str, Any]]) -> tuple[str, int]:
        """The answer's text and how many HTTP requests it took; VlmUnavailable once retries are spent."""
        s = self.settings
        body = json.dumps(
            {"model": s.model, "messages": messages, "temperature": 0, "max_tokens": s.max_tokens}
        ).encode()
        headers = {"Content-Type": "application/json"}
        if os.environ.get(API_KEY_ENV):
            headers["Authorization"] = f"Bearer {os.environ[API_KEY_ENV]}"
        reason = "unknown"
        for attempt in range(s.retries + 1):
            delay = min(s.max_backoff, s.backoff * 2**attempt)
            try:
                request = urllib.request.Request(s.endpoint(), data=body, headers=headers, method="POST")
                with urllib.request.urlopen(request, timeout=s.timeout) as response:
                    answer = json.loads(response.read().decode("utf-8"))
                text = answer["choices"][0]["message"]["content"]
                if isinstance(text, list):  # some servers return content parts
                    text = "".join(p.get("text", "") for p in text if isinstance(p, dict))
                if not isinstance(text, str) or not text.strip():
                    raise ValueError("empty answer")
                return text.strip(), attempt + 1
            except urllib.error.HTTPError as err:
                reason = "rate_limited" if err.code == 429 else f"http_{err.code}"
                if err.code == 429:
                    delay = min(s.max_backoff, max(delay, _retry_after(err)))
                elif err.code < 500 and err.code not in (408, 409):
                    raise VlmUnavailable(reason, attempt + 1) from None  # the request itself is wrong
            except TimeoutError:
                reason = "timeout"
            except urllib.error.URLError as err:
                reason = "timeout" if isinstance(err.reason, TimeoutError) else "connection"
            except (OSError, http.client.HTTPException):
                reason = "connection"
            except (ValueError, KeyError, IndexError, TypeError):
                reason = "bad_response"
            if attempt < s.retries:
                self.sleep(delay)
        raise VlmUnavailable(reason, s.retries + 1)

    def caption(self, jpeg: bytes, lines: list[str], original: str) -> VlmResult:
        """A checked description quoting every line, or the reason to fall back; never raises for the server."""
        messages: list[dict[str, Any]] = [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": build_prompt(lines, original)},
                    {"type": "image_url", "image_url": {"url": image_data_url(jpeg)}},
                ],
            }
        ]
        if time.monotonic() < self._paused_until:
            return VlmResult(None, "fallback", "server_down", 0)
        requests = 0
        for round_ in range(self.settings.repairs + 1):
            try:
                answer, n = self.chat(messages)
            except VlmUnavailable as err:
                self._server_failed(True)
                return VlmResult(None, "fallback", err.reason, requests + err.requests)
            except Exception as err:  # whatever the server does, this sample falls back
                self._server_failed(True)
                return VlmResult(None, "fallback", f"error:{type(err).__name__}", requests + 1)
            self._server_failed(False)
            requests += n
            check = check_quotes(answer, lines)
            if check.ok:
                return VlmResult(answer, "ok" if round_ == 0 else "repaired", "", requests)
            messages += [
                {"role": "assistant", "content": answer},
                {"role": "user", "content": repair_prompt(check)},
            ]
        return VlmResult(None, "fallback", "misquote", requests)

    def _server_failed(self, failed: bool) -> None:
        with self._lock:
            self._failed_in_a_row = self._failed_in_a_row + 1 if failed else 0
            if self._failed_in_a_row >= self.settings.pause_after:
                self._failed_in_a_row = 0
                self._paused_until = time.monotonic() + self.settings.pause_s


def _retry_after(err: urllib.error.HTTPError) -> float:
    try:
        return float(err.headers.get("Retry-After", 0))
    except (TypeError, ValueError):
        return 0.0
