"""A small OpenAI-compatible chat-completions server on 127.0.0.1 for the VLM tests.

The mode is the first part of the URL path (http://127.0.0.1:PORT/MODE/v1/chat/completions):
  good              quotes every OCR line from the prompt, exactly
  misquote          changes one line and quotes a line that is not there, every time
  fix_on_repair     misquotes first, answers well once told what was wrong
  error500          HTTP 500 every time
  ratelimit_once    HTTP 429 (Retry-After: 0) on a conversation's first request, then good
  slow              answers well, but only after 2 s
  garbage           HTTP 200 with a body that is not JSON
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LINE = re.compile(r"^\d+\. (.*)$", re.M)


def prompt_lines(messages: list[dict]) -> list[str]:
    first = messages[0]["content"]
    text = next(part["text"] for part in first if part.get("type") == "text")
    assert any(part.get("type") == "image_url" for part in first), "the image must be sent"
    return LINE.findall(text.split("要求")[0])


def good_answer(lines: list[str]) -> str:
    quoted = "，".join(f"“{line}”" for line in lines)
    return f"这是一张照片，画面中可以看到文字{quoted}，背景色彩柔和。"


def bad_answer(lines: list[str]) -> str:
    first = lines[0]
    changed = first[:-1] + ("口" if first[-1:] != "口" else "日")
    rest = "".join(f"“{line}”" for line in lines[1:])
    return f"图中写着“{changed}”{rest}，旁边还有“欢迎光临”。"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        mode = self.path.strip("/").split("/")[0]
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests[mode] += 1
        self.server.bodies.append(body)
        messages = body["messages"]
        lines = prompt_lines(messages)
        if mode == "error500":
            return self._send(500, b'{"error": "boom"}')
        if mode == "garbage":
            return self._send(200, b"<html>not json</html>")
        if mode == "ratelimit_once" and len(messages) == 1 and self.server.requests[mode] % 2 == 1:
            return self._send(429, b'{"error": "slow down"}', {"Retry-After": "0"})
        if mode == "slow":
            time.sleep(2.0)
        if mode == "misquote" or (mode == "fix_on_repair" and len(messages) == 1):
            answer = bad_answer(lines)
        else:
            answer = good_answer(lines)
        reply = {"choices": [{"index": 0, "message": {"role": "assistant", "content": answer}}]}
        self._send(200, json.dumps(reply, ensure_ascii=False).encode())

    def _send(self, code: int, data: bytes, headers: dict | None = None) -> None:
        try:
            self.send_response(code)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
            pass


class VlmServer:
    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.requests = Counter()
        self.httpd.bodies = []
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{mode}"

    @property
    def requests(self) -> Counter:
        return self.httpd.requests

    def __enter__(self) -> VlmServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
