"""The OpenAI-compatible engine against a small HTTP server started by each test."""

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from localization.engines.mt import (
    EngineIdentity,
    GlossaryHint,
    MachineTranslation,
    SourceCue,
    TranslationEngineError,
)
from localization.engines.mt.openai_engine import (
    OpenAICompatibleEngine,
    chat_completions_url,
    parse_translations,
    remote_model_sha256,
)

CUES = [
    SourceCue(10, "김철수 씨, 어디 가요?"),
    SourceCue(11, "서울역에 가요."),
    SourceCue(12, "같이 가요!\n빨리요."),
    SourceCue(13, "경찰이 곧 도착할 거예요."),
    SourceCue(14, "김철수 씨는 아무것도 몰라요."),
]
GLOSSARY = [GlossaryHint("김철수", "キム・チョルス"), GlossaryHint("서울역", "ソウル駅"),
            GlossaryHint("부산", "釜山")]


def completion(content: str) -> dict:
    return {"id": "chatcmpl-1", "object": "chat.completion", "model": "test-model",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}]}


def translate_all(body: dict) -> tuple[int, dict]:
    """A well-behaved model: every cue translated, answers in reverse order."""
    cues = json.loads(body["messages"][1]["content"])["cues"]
    items = [{"index": cue["index"], "text": f"訳{cue['index']}"} for cue in reversed(cues)]
    return 200, completion(json.dumps({"translations": items}, ensure_ascii=False))


class Endpoint:
    def __init__(self, server: ThreadingHTTPServer):
        host, port = server.server_address[:2]
        self.base_url = f"http://{host}:{port}"
        self.requests: list[dict] = []
        self.respond = translate_all
        # While set, the server holds its answer until the test releases it.
        self.hold = False
        self.release = threading.Event()


@pytest.fixture
def endpoint():
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append({"path": self.path, "headers": dict(self.headers),
                                   "body": body})
            if state.hold:
                state.release.wait(timeout=60)
            status, answer = state.respond(body)
            payload = (answer if isinstance(answer, str) else json.dumps(answer)).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:  # the client gave up (the timeout test)
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    state = Endpoint(server)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def engine_for(endpoint, **options) -> OpenAICompatibleEngine:
    options = {"model": "qwen2.5-7b-instruct", "batch_size": 2, "context_cues": 1, **options}
    return OpenAICompatibleEngine(base_url=endpoint.base_url, **options)


def test_sends_batches_with_glossary_and_context_and_matches_answers_by_index(endpoint):
    engine = engine_for(endpoint, api_key="secret-key")

    results = engine.translate(CUES, source_language="ko", target_language="ja",
                               glossary=GLOSSARY)

    assert results == [MachineTranslation(cue.index, f"訳{cue.index}") for cue in CUES]
    assert len(endpoint.requests) == 3
    first, second, third = endpoint.requests
    assert first["path"] == "/v1/chat/completions"
    assert first["headers"]["Authorization"] == "Bearer secret-key"
    assert first["body"]["model"] == "qwen2.5-7b-instruct"
    system, user = first["body"]["messages"]
    assert system["role"] == "system" and user["role"] == "user"
    assert "Korean film subtitles into Japanese" in system["content"]
    assert "김철수 -> キム・チョルス" in system["content"]
    assert "서울역 -> ソウル駅" in system["content"]
    assert "부산" not in system["content"]  # terms that occur nowhere near are not sent
    assert '"translations"' in system["content"]
    assert json.loads(user["content"]) == {
        "context_before": [],
        "cues": [{"index": 10, "text": CUES[0].text}, {"index": 11, "text": CUES[1].text}],
        "context_after": [{"index": 12, "text": CUES[2].text}],
    }
    middle = json.loads(second["body"]["messages"][1]["content"])
    assert [cue["index"] for cue in middle["context_before"]] == [11]
    assert [cue["index"] for cue in middle["cues"]] == [12, 13]
    assert [cue["index"] for cue in middle["context_after"]] == [14]
    assert middle["cues"][0]["text"] == "같이 가요!\n빨리요."
    assert "context only" in second["body"]["messages"][0]["content"]
    # Terms in the context count too: 서울역 is in cue 11, 김철수 in cue 14.
    assert "서울역 -> ソウル駅" in second["body"]["messages"][0]["content"]
    assert "김철수 -> キム・チョルス" in second["body"]["messages"][0]["content"]
    last = json.loads(third["body"]["messages"][1]["content"])
    assert [cue["index"] for cue in last["cues"]] == [14]
    assert last["context_after"] == []


def test_no_key_no_authorization_header(endpoint):
    engine_for(endpoint).translate(CUES[:1], source_language="ko", target_language="th")

    assert "Authorization" not in endpoint.requests[0]["headers"]
    assert "into Thai" in endpoint.requests[0]["body"]["messages"][0]["content"]


def test_base_url_with_v1_names_the_same_endpoint(endpoint):
    engine = OpenAICompatibleEngine(base_url=endpoint.base_url + "/v1/", model="m")

    engine.translate(CUES[:1], source_language="ko", target_language="zh-Hans")

    assert endpoint.requests[0]["path"] == "/v1/chat/completions"
    assert chat_completions_url("http://gpu:8000") == "http://gpu:8000/v1/chat/completions"
    assert chat_completions_url("http://gpu:8000/v1") == "http://gpu:8000/v1/chat/completions"
    assert (chat_completions_url("http://gpu:8000/v1/chat/completions")
            == "http://gpu:8000/v1/chat/completions")


def test_answer_in_a_json_fence_is_accepted(endpoint):
    answer = {"translations": [{"index": 10, "text": "キム・チョルスさん、どこへ?"}]}
    endpoint.respond = lambda body: (200, completion(f"```json\n{json.dumps(answer)}\n```"))

    results = engine_for(endpoint).translate(CUES[:1], source_language="ko",
                                             target_language="ja")

    assert results == [MachineTranslation(10, "キム・チョルスさん、どこへ?")]


def test_malformed_answer_leaves_the_cues_untranslated(endpoint):
    endpoint.respond = lambda body: (200, completion("Sure! Here are your translations: 1."))

    results = engine_for(endpoint).translate(CUES, source_language="ko", target_language="ja")

    assert results == [None] * 5


def test_partial_answer_never_shifts_translations(endpoint):
    def partial(body):
        cues = [cue["index"] for cue in json.loads(body["messages"][1]["content"])["cues"]]
        items = {
            (10, 11): [{"index": 11, "text": "ソウル駅へ。"}],  # 10 missing
            (12, 13): [{"index": 12, "text": "一緒に"}, {"index": 12, "text": "行こう"},  # twice
                       {"index": "13", "text": "警察"},  # index as a string
                       {"index": 11, "text": "context, not asked"}],
            (14,): [{"index": 14, "text": ""}, "not an item"],
        }[tuple(cues)]
        return 200, completion(json.dumps({"translations": items}))

    endpoint.respond = partial

    results = engine_for(endpoint).translate(CUES, source_language="ko", target_language="ja")

    assert results == [None, MachineTranslation(11, "ソウル駅へ。"), None, None, None]


def test_server_error_names_the_endpoint(endpoint):
    endpoint.respond = lambda body: (500, {"error": "CUDA out of memory"})

    with pytest.raises(TranslationEngineError) as raised:
        engine_for(endpoint).translate(CUES, source_language="ko", target_language="ja")

    message = str(raised.value)
    assert f"{endpoint.base_url}/v1/chat/completions" in message
    assert "HTTP 500" in message and "CUDA out of memory" in message


def test_timeout_is_a_clear_error(endpoint):
    endpoint.hold = True  # the server answers only once the client has given up

    try:
        with pytest.raises(TranslationEngineError, match="did not answer within 0.2 seconds"):
            engine_for(endpoint, timeout=0.2).translate(CUES[:1], source_language="ko",
                                                        target_language="ja")
    finally:
        endpoint.release.set()


def test_unreachable_endpoint_is_a_clear_error(endpoint):
    engine = OpenAICompatibleEngine(base_url="http://127.0.0.1:9", model="m", timeout=2)

    with pytest.raises(TranslationEngineError, match=r"Could not reach .*127\.0\.0\.1:9"):
        engine.translate(CUES[:1], source_language="ko", target_language="ja")


def test_an_answer_that_is_not_a_chat_completion_is_an_error(endpoint):
    endpoint.respond = lambda body: (200, "<html>proxy login</html>")

    with pytest.raises(TranslationEngineError, match="did not answer with a chat completion"):
        engine_for(endpoint).translate(CUES[:1], source_language="ko", target_language="ja")


def test_empty_and_blank_cues_send_nothing(endpoint):
    engine = engine_for(endpoint)

    assert engine.translate([], source_language="ko", target_language="ja") == []
    assert engine.translate([SourceCue(1, " "), SourceCue(2, "")], source_language="ko",
                            target_language="ja") == [None, None]
    assert endpoint.requests == []


def test_duplicate_cue_indices_are_refused(endpoint):
    with pytest.raises(TranslationEngineError, match="unique"):
        engine_for(endpoint).translate([SourceCue(1, "가"), SourceCue(1, "나")],
                                       source_language="ko", target_language="ja")


def test_identity_is_the_checksum_of_the_model_id():
    engine = OpenAICompatibleEngine(base_url="http://gpu:8000", model="qwen2.5-7b-instruct")

    expected = hashlib.sha256(b"openai-compatible:qwen2.5-7b-instruct").hexdigest()
    assert remote_model_sha256("qwen2.5-7b-instruct") == expected
    assert engine.identity == EngineIdentity("openai_compatible", "qwen2.5-7b-instruct",
                                             expected)
    assert engine.describe() == ("OpenAI-compatible endpoint "
                                 "http://gpu:8000/v1/chat/completions, model qwen2.5-7b-instruct")


def test_reasoning_before_the_answer_is_skipped():
    content = '<think>The user wants…</think>\n{"translations": [{"index": 3, "text": "はい"}]}'

    assert parse_translations(content, expected={3}) == {3: "はい"}
    assert parse_translations('{"translations": {"index": 3}}', expected={3}) == {}
    assert parse_translations("[]", expected={3}) == {}
