#!/usr/bin/env python3
"""End-to-end tests of the `coassist` command-line tool against coassist-emulator.

usage: cli_test.py CLI EMULATOR CASE   (CASE: one of CASES at the end)

Every child process runs under a deadline; servers listen on 127.0.0.1 port 0 and are stopped
when the case ends, whatever happens.
"""
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

CLI, EMULATOR, CASE = sys.argv[1], sys.argv[2], sys.argv[3]
API_KEY = "sk-cli-test-secret-4711"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)
    return cond


class Emulator:
    def __init__(self, *extra):
        self.proc = subprocess.Popen(
            [EMULATOR, "--listen", "127.0.0.1:0", "--api-key", API_KEY, *extra],
            stdout=subprocess.PIPE)
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout=20):
            self.close()
            raise RuntimeError("the emulator did not start within 20 s")
        line = self.proc.stdout.readline().decode().strip()
        if not line.startswith("listening on "):
            self.close()
            raise RuntimeError("emulator said: " + line)
        self.base_url = line[len("listening on "):]

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err

    def json(self):
        return json.loads(self.out)

    def lines(self):
        return [json.loads(l) for l in self.out.decode().splitlines() if l.strip()]

    def error(self):
        return json.loads(self.err)["error"]

    def __repr__(self):
        return f"rc={self.rc} out={self.out[:400]!r} err={self.err[:400]!r}"


def cli(args, base_url=None, timeout=20, env_extra=None, key=API_KEY):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    # no proxy from the environment may intercept 127.0.0.1
    for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(k, None)
    if key is not None:
        env["OPENAI_API_KEY"] = key
    if base_url:
        env["OPENAI_BASE_URL"] = base_url
    env.update(env_extra or {})
    p = subprocess.run([CLI, *args], capture_output=True, timeout=timeout, env=env,
                       stdin=subprocess.DEVNULL)
    # the API key is never printed, whatever happened
    check(API_KEY.encode() not in p.stdout and API_KEY.encode() not in p.stderr,
          f"the API key appears in the output of {args}")
    return Result(p.returncode, p.stdout, p.stderr)


def ok(args, base, obj_type=None, **kw):
    r = cli(args, base, **kw)
    if not check(r.rc == 0, f"{args}: exit 0 expected, got {r}"):
        return {}
    try:
        v = r.json()
    except ValueError:
        check(False, f"{args}: stdout is not JSON: {r}")
        return {}
    if obj_type is not None:
        check(v.get("object") == obj_type,
              f"{args}: object {obj_type!r} expected, got {v.get('object')!r}")
    return v


# ---------------------------------------------------------------------------------------------
def case_operations():
    """Every operationId of the table through `coassist op`, in an order that creates what the
    next ones need."""
    # polled runs stay queued for a minute, so cancelRun finds an active run even on a slow machine
    emu = Emulator("--run-step-ms", "30000")
    b = emu.base_url
    called = set()
    tmp = tempfile.mkdtemp(prefix="coassist-cli-")

    def op(op_id, *args, obj=None):
        called.add(op_id)
        return ok(["op", op_id, *args], b, obj)

    try:
        fn_tool = {"type": "function", "function": {
            "name": "get_weather", "parameters": {
                "type": "object", "properties": {"city": {"type": "string"}}}}}
        a = op("createAssistant", "--body",
               json.dumps({"model": "gpt-4o", "name": "cli", "tools": [fn_tool]}), obj="assistant")
        aid = a.get("id", "")
        op("getAssistant", "--assistant-id", aid, obj="assistant")
        m = op("modifyAssistant", "--assistant_id", aid, "--body", '{"name": "renamed"}',
               obj="assistant")
        check(m.get("name") == "renamed", "modifyAssistant renames")
        op("listAssistants", "--limit", "5", "--order", "asc", obj="list")

        # files
        path = os.path.join(tmp, "notes.txt")
        content = b"The capital of France is Paris.\n\nBananas are yellow.\n"
        with open(path, "wb") as f:
            f.write(content)
        f1 = op("createFile", "--file", path, "--purpose", "assistants", obj="file")
        fid = f1.get("id", "")
        check(f1.get("bytes") == len(content), "createFile uploads every byte")
        op("retrieveFile", "--file-id", fid, obj="file")
        op("listFiles", "--purpose", "assistants", obj="list")
        called.add("downloadFile")
        r = cli(["op", "downloadFile", "--file-id", fid], b)
        check(r.rc == 0 and r.out == content, f"downloadFile gives the raw bytes: {r}")
        out_path = os.path.join(tmp, "download.bin")
        r = cli(["files", "content", "--file-id", fid, "--output", out_path], b)
        check(r.rc == 0 and r.out == b"" and open(out_path, "rb").read() == content,
              f"files content --output writes the file: {r}")

        # uploads
        part_path = os.path.join(tmp, "part.bin")
        with open(part_path, "wb") as f:
            f.write(b"x" * 100)
        up_body = json.dumps({"filename": "u.txt", "purpose": "assistants", "bytes": 100,
                              "mime_type": "text/plain"})
        u = op("createUpload", "--body", up_body, obj="upload")
        part = op("addUploadPart", "--upload-id", u.get("id", ""), "--data", part_path,
                  obj="upload.part")
        done = op("completeUpload", "--upload-id", u.get("id", ""), "--body",
                  json.dumps({"part_ids": [part.get("id", "")]}), obj="upload")
        check(done.get("status") == "completed", "completeUpload completes")
        fid2 = (done.get("file") or {}).get("id", "")
        u2 = op("createUpload", "--body", up_body, obj="upload")
        c = op("cancelUpload", "--upload-id", u2.get("id", ""), obj="upload")
        check(c.get("status") == "cancelled", "cancelUpload cancels")

        # vector stores
        vs = op("createVectorStore", "--body", '{"name": "docs"}', obj="vector_store")
        vid = vs.get("id", "")
        op("getVectorStore", "--vector-store-id", vid, obj="vector_store")
        op("modifyVectorStore", "--vector-store-id", vid, "--body", '{"name": "docs2"}',
           obj="vector_store")
        op("listVectorStores", obj="list")
        op("createVectorStoreFile", "--vector-store-id", vid, "--body",
           json.dumps({"file_id": fid}), obj="vector_store.file")
        op("getVectorStoreFile", "--vector-store-id", vid, "--file-id", fid,
           obj="vector_store.file")
        op("listVectorStoreFiles", "--vector-store-id", vid, obj="list")
        op("updateVectorStoreFileAttributes", "--vector-store-id", vid, "--file-id", fid,
           "--body", '{"attributes": {"lang": "en"}}', obj="vector_store.file")
        op("retrieveVectorStoreFileContent", "--vector-store-id", vid, "--file-id", fid,
           obj="vector_store.file_content.page")
        op("searchVectorStore", "--vector-store-id", vid, "--body", '{"query": "France"}',
           obj="vector_store.search_results.page")
        batch = op("createVectorStoreFileBatch", "--vector-store-id", vid, "--body",
                   json.dumps({"file_ids": [fid2]}), obj="vector_store.files_batch")
        bid = batch.get("id", "")
        op("getVectorStoreFileBatch", "--vector-store-id", vid, "--batch-id", bid,
           obj="vector_store.files_batch")
        op("listFilesInVectorStoreBatch", "--vector-store-id", vid, "--batch-id", bid,
           obj="list")
        op("cancelVectorStoreFileBatch", "--vector-store-id", vid, "--batch-id", bid,
           obj="vector_store.files_batch")
        op("deleteVectorStoreFile", "--vector-store-id", vid, "--file-id", fid,
           obj="vector_store.file.deleted")

        # threads, messages, runs
        t = op("createThread", "--body",
               '{"messages": [{"role": "user", "content": "hello there"}]}', obj="thread")
        tid = t.get("id", "")
        op("getThread", "--thread-id", tid, obj="thread")
        op("modifyThread", "--thread-id", tid, "--body", '{"metadata": {"k": "v"}}',
           obj="thread")
        msg = op("createMessage", "--thread-id", tid, "--body",
                 '{"role": "user", "content": "second"}', obj="thread.message")
        mid = msg.get("id", "")
        op("getMessage", "--thread-id", tid, "--message-id", mid, obj="thread.message")
        op("modifyMessage", "--thread-id", tid, "--message-id", mid, "--body",
           '{"metadata": {"a": "b"}}', obj="thread.message")
        op("listMessages", "--thread-id", tid, "--order", "asc", obj="list")
        op("deleteMessage", "--thread-id", tid, "--message-id", mid, obj="thread.message.deleted")
        run = op("createRun", "--thread-id", tid, "--body", json.dumps({"assistant_id": aid}),
                 obj="thread.run")
        rid = run.get("id", "")
        op("getRun", "--thread-id", tid, "--run-id", rid, obj="thread.run")
        op("modifyRun", "--thread-id", tid, "--run-id", rid, "--body",
           '{"metadata": {"x": "y"}}', obj="thread.run")
        op("listRuns", "--thread-id", tid, obj="list")
        cancelled = op("cancelRun", "--thread-id", tid, "--run-id", rid, obj="thread.run")
        check(cancelled.get("status") in ("cancelling", "cancelled"),
              f"cancelRun: status {cancelled.get('status')}")
        tr = op("createThreadAndRun", "--body", json.dumps(
            {"assistant_id": aid,
             "thread": {"messages": [{"role": "user", "content": "hi"}]}}), obj="thread.run")
        check(tr.get("thread_id", "").startswith("thread_"), "createThreadAndRun makes a thread")

        # a run that calls a function: streamed, so it is in requires_action when the call ends
        t2 = ok(["threads", "create", "--body", json.dumps({"messages": [
            {"role": "user", "content": '/call get_weather {"city": "Paris"}'}]})], b, "thread")
        tid2 = t2.get("id", "")
        r = cli(["runs", "create", "--thread-id", tid2, "--assistant-id", aid, "--stream"], b)
        events = r.lines() if r.rc == 0 else []
        check(r.rc == 0 and events and events[-1]["event"] == "done",
              f"a streamed tool run ends with done: {r}")
        ra = [e["data"] for e in events if e["event"] == "thread.run.requires_action"]
        check(len(ra) == 1, "the tool run requires action")
        if ra:
            run2 = ra[0]
            rid2 = run2["id"]
            calls = run2["required_action"]["submit_tool_outputs"]["tool_calls"]
            steps = op("listRunSteps", "--thread-id", tid2, "--run-id", rid2, obj="list")
            sid = steps.get("data", [{}])[0].get("id", "")
            op("getRunStep", "--thread-id", tid2, "--run-id", rid2, "--step-id", sid,
               obj="thread.run.step")
            outs = [{"tool_call_id": c["id"], "output": "sunny"} for c in calls]
            sub = op("submitToolOuputsToRun", "--thread-id", tid2, "--run-id", rid2, "--body",
                     json.dumps({"tool_outputs": outs}), obj="thread.run")
            check(sub.get("status") in ("queued", "in_progress", "completed"),
                  f"submitted outputs: status {sub.get('status')}")

        # deletions last
        op("deleteThread", "--thread-id", tid, obj="thread.deleted")
        op("deleteVectorStore", "--vector-store-id", vid, obj="vector_store.deleted")
        op("deleteFile", "--file-id", fid, obj="file")
        op("deleteAssistant", "--assistant-id", aid, obj="assistant.deleted")

        # every operationId of the shared table was called
        tsv = os.path.join(os.environ.get("COASSIST_REFERENCE_DIR", ""), "openai-spec",
                           "operations.tsv")
        if os.path.exists(tsv):
            with open(tsv) as f:
                ids = {l.split("\t")[2] for l in f.read().splitlines()[1:] if l.strip()}
            check(len(ids) == 48, f"48 operations in operations.tsv, found {len(ids)}")
            check(ids <= called, f"operations never called: {sorted(ids - called)}")
        else:
            check(len(called) == 48, f"48 operations called, got {len(called)}")
    finally:
        emu.close()


def case_group_verb():
    """The GROUP VERB forms of the main operations, with body fields given as options."""
    emu = Emulator()
    b = emu.base_url
    try:
        a = ok(["assistants", "create", "--model", "gpt-4o", "--name", "grouped",
                "--temperature", "0.5"], b, "assistant")
        aid = a.get("id", "")
        check(a.get("name") == "grouped" and a.get("temperature") == 0.5,
              f"body fields from options: {a}")
        ok(["assistants", "retrieve", "--assistant-id", aid], b, "assistant")
        u = ok(["assistants", "update", "--assistant-id", aid, "--body", '{"name": "x"}',
                "--description", "merged"], b, "assistant")
        check(u.get("name") == "x" and u.get("description") == "merged",
              "--body and field options are merged")
        lst = ok(["assistants", "list", "--limit", "1"], b, "list")
        check(len(lst.get("data", [])) == 1, "--limit is sent as a query parameter")
        lst = ok(["assistants", "list", "--query", "limit=1", "--query", "order=asc"], b, "list")
        check(len(lst.get("data", [])) == 1, "--query KEY=VALUE is sent")
        t = ok(["threads", "create"], b, "thread")
        tid = t.get("id", "")
        ok(["messages", "create", "--thread-id", tid, "--role", "user", "--content", "hi"], b,
           "thread.message")
        ok(["messages", "list", "--thread-id", tid], b, "list")
        run = ok(["runs", "create", "--thread-id", tid, "--assistant-id", aid], b, "thread.run")
        ok(["runs", "retrieve", "--thread-id", tid, "--run-id", run.get("id", "")], b,
           "thread.run")
        ok(["runs", "list", "--thread-id", tid], b, "list")
        ok(["run-steps", "list", "--thread-id", tid, "--run-id", run.get("id", "")], b, "list")
        tr = ok(["threads", "create-and-run", "--assistant-id", aid], b, "thread.run")
        check(tr.get("thread_id", "").startswith("thread_"), "threads create-and-run")
        tmp = tempfile.NamedTemporaryFile(suffix=".txt", delete=False)
        tmp.write(b"Paris is in France.\n")
        tmp.close()
        f = ok(["files", "create", "--file", tmp.name, "--purpose", "assistants"], b, "file")
        os.unlink(tmp.name)
        ok(["files", "list"], b, "list")
        vs = ok(["vector-stores", "create", "--name", "kb", "--file-ids",
                 json.dumps([f.get("id", "")])], b, "vector_store")
        vid = vs.get("id", "")
        ok(["vector-store-files", "list", "--vector-store-id", vid], b, "list")
        ok(["vector-stores", "search", "--vector-store-id", vid, "--query", "France"], b,
           "vector_store.search_results.page")
        page = ok(["vector-store-search", "search", "--vector-store-id", vid, "--field",
                   "query=Paris", "--field", "max_num_results=1"], b,
                  "vector_store.search_results.page")
        check(page.get("search_query") in ("Paris", ["Paris"]) and len(page.get("data", [])) <= 1,
              f"--field sets body fields: {page}")
        batch = ok(["vector-store-file-batches", "create", "--vector-store-id", vid,
                    "--file-ids", json.dumps([f.get("id", "")])], b, "vector_store.files_batch")
        ok(["vector-store-file-batches", "list-files", "--vector-store-id", vid, "--batch-id",
            batch.get("id", "")], b, "list")
        ok(["vector-stores", "delete", "--vector-store-id", vid], b, "vector_store.deleted")
        ok(["files", "delete", "--file-id", f.get("id", "")], b, "file")
        ok(["threads", "delete", "--thread-id", tid], b, "thread.deleted")
        ok(["assistants", "delete", "--assistant-id", aid], b, "assistant.deleted")
        # --base-url and --api-key instead of the environment
        r = cli(["assistants", "list", "--base-url", b, "--api-key", API_KEY], None, key=None)
        check(r.rc == 0 and r.json().get("object") == "list", f"--base-url/--api-key: {r}")
        # --header reaches the server: a fault injected per request
        r = cli(["assistants", "list", "--max-retries", "0", "--header",
                 'x-emulator-fault: {"status": 503}'], b)
        check(r.rc == 1 and r.error()["status"] == 503, f"--header is sent: {r}")
    finally:
        emu.close()


class SilentListener:
    """A socket that listens and never accepts: connects succeed, nothing ever answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"


class ScriptedServer:
    """Answers every request with fixed raw bytes (an event stream), then closes."""

    def __init__(self, response):
        self.response = response
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(20)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(10)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, rest = data.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                while len(rest) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    rest += chunk
                conn.sendall(self.response)
            except OSError:
                pass

    def close(self):
        self.sock.close()
        self.thread.join(5)


def sse_response(events, complete=True):
    body = b"".join(f"event: {n}\ndata: {d}\n\n".encode() for n, d in events)
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            b"Connection: close\r\n")
    if complete:
        return head + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
    # chunked, cut before the last chunk
    return head + b"Transfer-Encoding: chunked\r\n\r\n" + f"{len(body):x}\r\n".encode() + body + b"\r\n"


def case_exit_codes():
    emu = Emulator()
    b = emu.base_url
    try:
        # 1: API errors, with the error's fields on stderr
        r = cli(["assistants", "retrieve", "--assistant-id", "asst_nope"], b)
        e = r.error() if r.err else {}
        check(r.rc == 1 and e.get("kind") == "not_found" and e.get("status") == 404 and
              "asst_nope" in e.get("message", "") and e.get("request_id") and r.out == b"",
              f"404 gives exit 1 and the error JSON: {r}")
        check(set(e) == {"kind", "status", "message", "type", "code", "param", "request_id"},
              f"the error object has exactly the contract's keys: {sorted(e)}")
        r = cli(["assistants", "create", "--body", '{"model": "gpt-4o", "tools": [{"type": "x"}]}'],
                b)
        e = r.error() if r.err else {}
        check(r.rc == 1 and e.get("kind") == "bad_request" and e.get("status") == 400 and
              e.get("param") == "tools[0].type", f"400 invalid body gives exit 1: {r}")
        r = cli(["assistants", "list"], b, key="sk-wrong")
        check(r.rc == 1 and r.error().get("kind") == "authentication", f"401: {r}")
        check(b"sk-wrong" not in r.err, "a wrong key is not echoed")

        # 2: bad usage
        usage = [
            ["nosuchgroup", "list"],
            ["assistants", "frobnicate"],
            ["op", "noSuchOperation"],
            ["assistants", "retrieve"],                       # missing path parameter
            ["op", "getThread"],                              # missing path parameter
            ["assistants", "create", "--body", "{not json"],  # invalid --body JSON
            ["assistants", "create", "--body", "@/nonexistent/body.json"],
            ["assistants", "retrieve", "--assistant-id", "a", "--bogus", "1"],  # unknown option
            ["assistants", "list", "--timeout", "soon"],
            ["assistants", "list", "--max-retries", "-1"],
            ["assistants", "list", "--header", "no colon"],
            ["assistants", "list", "--stream"],               # listAssistants cannot stream
            ["runs", "create", "--thread-id", "t", "--accumulate"],
            ["files", "create", "--purpose", "assistants"],  # no --file
            ["files", "create", "--file", "/nonexistent/file", "--purpose", "assistants"],
            ["assistants", "list", "--limit"],                # option without its value
            ["assistants", "list", "extra-word"],
            [],
        ]
        for args in usage:
            r = cli(args, b)
            kind = None
            try:
                kind = r.error().get("kind")
            except (ValueError, KeyError):
                pass
            check(r.rc == 2 and kind in ("usage", "missing_api_key") and r.out == b"",
                  f"{args}: exit 2 with a usage error expected: {r}")
        r = cli(["assistants", "list"], b, key=None)
        check(r.rc == 2 and r.error().get("kind") == "missing_api_key", f"no key: {r}")

        # 3: connection refused on a closed port
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
        s.close()
        r = cli(["assistants", "list", "--max-retries", "0"], closed)
        check(r.rc == 3 and r.error().get("kind") == "connection", f"refused: {r}")
        # 3: a timeout against a server that never answers (the overall deadline, retries
        # included: the default 2 retries must not stretch it)
        silent = SilentListener()
        t0 = time.monotonic()
        r = cli(["assistants", "list", "--timeout", "1"], silent.url)
        took = time.monotonic() - t0
        silent.sock.close()
        check(r.rc == 3 and r.error().get("kind") == "timeout" and took < 5,
              f"a silent server times out in ~1 s ({took:.2f} s): {r}")
        # 3: the emulator's fault injection delays the answer past the deadline
        t0 = time.monotonic()
        r = cli(["assistants", "list", "--timeout", "0.5", "--header",
                 'x-emulator-fault: {"delay_ms": 5000}'], b)
        took = time.monotonic() - t0
        check(r.rc == 3 and r.error().get("kind") == "timeout" and took < 4,
              f"a delayed answer times out ({took:.2f} s): {r}")
    finally:
        emu.close()


def case_stream():
    emu = Emulator()
    b = emu.base_url
    try:
        a = ok(["assistants", "create", "--model", "gpt-4o"], b, "assistant")
        aid = a.get("id", "")
        t = ok(["threads", "create", "--body",
                '{"messages": [{"role": "user", "content": "streaming works fine"}]}'], b, "thread")
        tid = t.get("id", "")
        r = cli(["runs", "create", "--thread-id", tid, "--assistant-id", aid, "--stream"], b)
        check(r.rc == 0, f"--stream exits 0: {r}")
        events = r.lines() if r.rc == 0 else []
        names = [e.get("event") for e in events]
        check(all(set(e) == {"event", "data"} for e in events), "one {event, data} per line")
        check(names[:1] == ["thread.run.created"] and names[-1:] == ["done"],
              f"events from run.created to done: {names}")
        check(events and events[-1]["data"] == "[DONE]", "done carries the string [DONE]")
        deltas = [e["data"] for e in events if e["event"] == "thread.message.delta"]
        text = "".join(p["text"]["value"] for d in deltas for p in d["delta"]["content"]
                       if p.get("type") == "text")
        check(text == "You said: streaming works fine", f"streamed text: {text!r}")
        check(isinstance(events[0]["data"], dict) if events else False, "data is parsed JSON")

        # --stream --accumulate: the last line is the accumulated end state
        r = cli(["threads", "create-and-run", "--assistant-id", aid, "--thread",
                 '{"messages": [{"role": "user", "content": "accumulate this please"}]}',
                 "--stream", "--accumulate"], b)
        check(r.rc == 0, f"--stream --accumulate exits 0: {r}")
        lines = r.lines() if r.rc == 0 else [{}]
        last = lines[-1]
        check(set(last) == {"final_run", "final_messages", "final_run_steps"},
              f"the last line holds the final state: {sorted(last)}")
        check(lines[-2:-1] and lines[-2].get("event") == "done", "events come first")
        fr = last.get("final_run") or {}
        check(fr.get("status") == "completed", f"final_run status: {fr.get('status')}")
        msgs = last.get("final_messages") or []
        texts = [p["text"]["value"] for m in msgs for p in m.get("content", [])
                 if p.get("type") == "text"]
        check(texts == ["You said: accumulate this please"], f"final_messages text: {texts}")
        check(msgs and msgs[0].get("status") == "completed", "the message is completed")
        steps = last.get("final_run_steps") or []
        check(len(steps) == 1 and steps[0].get("status") == "completed", f"steps: {steps}")

        # a run that needs tool outputs: the stream ends at requires_action, then submitting the
        # outputs streams on to completion
        tool = {"type": "function", "function": {"name": "lookup", "parameters": {
            "type": "object", "properties": {"q": {"type": "string"}}}}}
        a2 = ok(["assistants", "create", "--model", "gpt-4o", "--tools", json.dumps([tool])], b,
                "assistant")
        t2 = ok(["threads", "create", "--body", json.dumps({"messages": [
            {"role": "user", "content": '/call lookup {"q": "a"}\n/call lookup {"q": "b"}'}]})],
            b, "thread")
        r = cli(["runs", "create", "--thread-id", t2.get("id", ""), "--assistant-id",
                 a2.get("id", ""), "--stream", "--accumulate"], b)
        lines = r.lines() if r.rc == 0 else [{}]
        fr = lines[-1].get("final_run") or {}
        check(r.rc == 0 and fr.get("status") == "requires_action", f"requires_action: {r}")
        calls = (lines[-1].get("final_run_steps") or [{}])[0].get(
            "step_details", {}).get("tool_calls", [])
        check([json.loads(c["function"]["arguments"]) for c in calls] == [{"q": "a"}, {"q": "b"}],
              f"accumulated parallel tool calls: {calls}")
        if fr.get("required_action"):
            outs = [{"tool_call_id": c["id"], "output": "ok-" + str(i)} for i, c in
                    enumerate(fr["required_action"]["submit_tool_outputs"]["tool_calls"])]
            r = cli(["runs", "submit-tool-outputs", "--thread-id", t2.get("id", ""), "--run-id",
                     fr["id"], "--tool-outputs", json.dumps(outs), "--stream", "--accumulate"], b)
            lines = r.lines() if r.rc == 0 else [{}]
            check(r.rc == 0 and (lines[-1].get("final_run") or {}).get("status") == "completed",
                  f"submitted outputs stream to completion: {r}")

        # a stream cut by the server (emulator fault) exits 3
        t3 = ok(["threads", "create", "--body",
                 '{"messages": [{"role": "user", "content": "one two three four"}]}'], b, "thread")
        r = cli(["runs", "create", "--thread-id", t3.get("id", ""), "--assistant-id", aid,
                 "--stream", "--max-retries", "0", "--header",
                 'x-emulator-fault: {"cut": "mid_stream", "after_events": 3}'], b)
        check(r.rc == 3 and len(r.lines()) == 3 and r.error().get("kind") in
              ("connection", "stream_truncated"), f"a cut stream exits 3 after 3 events: {r}")
    finally:
        emu.close()

    # `event: error` exits 1 after printing the event
    srv = ScriptedServer(sse_response([
        ("thread.run.created", '{"id": "run_1", "object": "thread.run", "status": "queued"}'),
        ("error", '{"message": "The server had an error", "type": "server_error", '
                  '"code": "server_error", "param": null}')]))
    try:
        r = cli(["runs", "create", "--thread-id", "t", "--assistant-id", "a", "--stream",
                 "--max-retries", "0"], srv.url)
        lines = r.lines() if r.out else []
        check(r.rc == 1 and [l["event"] for l in lines] == ["thread.run.created", "error"] and
              r.error().get("kind") == "stream_error" and
              r.error().get("message") == "The server had an error",
              f"event: error exits 1 after printing the event: {r}")
    finally:
        srv.close()
    # a stream whose body ends cleanly but without a terminal event or done: truncated, exit 3
    srv = ScriptedServer(sse_response([
        ("thread.run.created", '{"id": "run_1", "object": "thread.run", "status": "queued"}')]))
    try:
        r = cli(["runs", "create", "--thread-id", "t", "--assistant-id", "a", "--stream",
                 "--max-retries", "0"], srv.url)
        check(r.rc == 3 and len(r.lines()) == 1 and
              r.error().get("kind") == "stream_truncated", f"truncated stream exits 3: {r}")
    finally:
        srv.close()
    # a chunked stream cut before its last chunk: exit 3
    srv = ScriptedServer(sse_response([
        ("thread.run.created", '{"id": "run_1", "object": "thread.run", "status": "queued"}')],
        complete=False))
    try:
        r = cli(["runs", "create", "--thread-id", "t", "--assistant-id", "a", "--stream",
                 "--max-retries", "0"], srv.url)
        check(r.rc == 3 and len(r.lines()) == 1, f"a cut chunked stream exits 3: {r}")
    finally:
        srv.close()


def post(base, path, body):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy
    with opener.open(req, timeout=10) as r:
        return json.loads(r.read())


def case_stream_timing():
    """Events are printed as they arrive; a stalled stream hits --timeout (exit 3)."""
    emu = Emulator()
    b = emu.base_url
    try:
        aid = ok(["assistants", "create", "--model", "gpt-4o"], b, "assistant").get("id", "")
        tid = ok(["threads", "create"], b, "thread").get("id", "")
        post(b, "/_emulator/scripts", {"thread_id": tid, "turns": [
            {"text": "one two three four", "chunks": 4, "delay_ms": 400}]})
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
        env.update(OPENAI_API_KEY=API_KEY, OPENAI_BASE_URL=b)
        proc = subprocess.Popen([CLI, "runs", "create", "--thread-id", tid, "--assistant-id", aid,
                                 "--stream"], stdout=subprocess.PIPE, env=env,
                                stdin=subprocess.DEVNULL)
        try:
            sel = selectors.DefaultSelector()
            sel.register(proc.stdout, selectors.EVENT_READ)
            check(bool(sel.select(timeout=10)), "a first event line within 10 s")
            first = json.loads(proc.stdout.readline())
            check(first.get("event") == "thread.run.created", f"first line: {first}")
            # the four deltas take 1.6 s: the first line came before the process ended
            check(proc.poll() is None, "the first event is printed while the stream goes on")
            rest = proc.communicate(timeout=20)[0]
            check(proc.returncode == 0 and rest.decode().splitlines()[-1].startswith(
                '{"event":"done"'), "the stream then completes")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

        # Ctrl-C in the middle of a stream: the tool stops at once with 128 + SIGINT
        tid = ok(["threads", "create"], b, "thread").get("id", "")
        post(b, "/_emulator/scripts", {"thread_id": tid, "turns": [
            {"text": "a b c d e f", "chunks": 6, "delay_ms": 2000}]})
        proc = subprocess.Popen([CLI, "runs", "create", "--thread-id", tid, "--assistant-id", aid,
                                 "--stream"], stdout=subprocess.PIPE, env=env,
                                stdin=subprocess.DEVNULL)
        try:
            sel = selectors.DefaultSelector()
            sel.register(proc.stdout, selectors.EVENT_READ)
            check(bool(sel.select(timeout=10)), "a first event line within 10 s")
            proc.stdout.readline()
            t0 = time.monotonic()
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=10)
            check(proc.returncode == 128 + signal.SIGINT and time.monotonic() - t0 < 1.5,
                  f"SIGINT stops a stream: exit {proc.returncode}")
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()

        # a stream that stalls longer than --timeout between events
        tid = ok(["threads", "create"], b, "thread").get("id", "")
        post(b, "/_emulator/scripts", {"thread_id": tid, "turns": [
            {"text": "slow words here", "chunks": 3, "delay_ms": 3000}]})
        t0 = time.monotonic()
        r = cli(["runs", "create", "--thread-id", tid, "--assistant-id", aid, "--stream",
                 "--timeout", "1"], b)
        took = time.monotonic() - t0
        names = [l["event"] for l in r.lines()]
        check(r.rc == 3 and r.error().get("kind") == "timeout" and
              "thread.message.delta" not in names and took < 2.9,
              f"a stalled stream times out after ~1 s ({took:.2f} s): {r}")
    finally:
        emu.close()


def case_tls():
    """--ca-file trusts the emulator's self-signed CA; without it the TLS handshake fails."""
    tmp = tempfile.mkdtemp(prefix="coassist-cli-tls-")
    emu = Emulator("--tls-self-signed", tmp)
    try:
        b = emu.base_url
        check(b.startswith("https://"), f"a TLS emulator: {b}")
        ok(["assistants", "list", "--ca-file", os.path.join(tmp, "ca.pem")], b, "list")
        host = b.replace("127.0.0.1", "localhost")
        ok(["assistants", "list", "--ca-file", os.path.join(tmp, "ca.pem")], host, "list")
        r = cli(["assistants", "list", "--max-retries", "0"], b)
        check(r.rc == 3 and r.error().get("kind") == "connection",
              f"an untrusted certificate is a connection error: {r}")
        r = cli(["assistants", "list", "--ca-file", os.path.join(tmp, "missing.pem")], b)
        check(r.rc == 2, f"an unreadable --ca-file is a usage error: {r}")
    finally:
        emu.close()


def case_help():
    r = cli(["--help"])
    text = r.out.decode()
    check(r.rc == 0, f"--help exits 0: {r}")
    for g in ["assistants", "threads", "messages", "runs", "run-steps", "files", "uploads",
              "vector-stores", "vector-store-files", "vector-store-file-batches"]:
        check(f"  {g}:" in text, f"--help lists the group {g}")
    r = cli(["runs", "--help"])
    text = r.out.decode()
    check(r.rc == 0 and "submit-tool-outputs" in text and "submitToolOuputsToRun" in text and
          "--thread-id" in text, f"runs --help lists verbs and parameters: {r}")
    r = cli(["op", "--help"])
    check(r.rc == 0 and r.out.decode().count("\n      ") == 48 + 15,
          f"op --help lists all 63 operations: {r}")
    r = cli(["--help"])
    for g in ["responses", "input-items", "input-tokens", "conversations", "conversation-items"]:
        check(f"  {g}:" in r.out.decode(), f"--help lists the group {g}")
    r = cli(["files", "create", "--help"])
    check(r.rc == 0 and "--file PATH --purpose P" in r.out.decode(), f"files create --help: {r}")


# ---------------------------------------------------------------------------------------------
# Responses + Conversations
FN_TOOL = {"type": "function", "name": "lookup", "description": "looks up", "strict": True,
           "parameters": {"type": "object", "properties": {"q": {"type": "string"}},
                          "required": ["q"], "additionalProperties": False}}


# longer than the smallest max_output_tokens the service takes (16): the reply is cut there
LONG_INPUT = " ".join("word%d" % i for i in range(24))


def response_body(text, **extra):
    body = {"model": "gpt-4o", "input": text}
    body.update(extra)
    return json.dumps(body)


def case_responses_operations():
    """Every operationId of operations-responses.tsv through `coassist op`, then the GROUP VERB
    forms; a created response that ends failed or incomplete exits 1."""
    emu = Emulator("--response-step-ms", "60000")
    b = emu.base_url
    called = set()

    def op(op_id, *args, obj=None):
        called.add(op_id)
        return ok(["op", op_id, *args], b, obj)

    try:
        conv = op("createConversation", "--body", json.dumps(
            {"metadata": {"k": "v"}, "items": [{"type": "message", "role": "user",
                                                "content": "hello"}]}), obj="conversation")
        cid = conv.get("id", "")
        op("getConversation", "--conversation-id", cid, obj="conversation")
        up = op("updateConversation", "--conversation-id", cid, "--metadata", '{"k": "w"}',
                obj="conversation")
        check(up.get("metadata") == {"k": "w"}, f"updateConversation: {up}")
        items = op("createConversationItems", "--conversation-id", cid, "--items", json.dumps(
            [{"type": "message", "role": "user", "content": [
                {"type": "input_text", "text": "more"}]}]), obj="list")
        iid = (items.get("data") or [{}])[0].get("id", "")
        it = op("getConversationItem", "--conversation-id", cid, "--item-id", iid)
        check(it.get("type") == "message" and it.get("id") == iid, f"getConversationItem: {it}")
        page = op("listConversationItems", "--conversation-id", cid, "--order", "asc",
                  "--limit", "1", obj="list")
        check(len(page.get("data", [])) == 1 and page.get("has_more") is True,
              f"listConversationItems pages: {page}")
        op("deleteConversationItem", "--conversation-id", cid, "--item-id", iid,
           obj="conversation")

        r1 = op("createResponse", "--body", response_body('/call lookup {"q": "x"}',
                                                          tools=[FN_TOOL]), obj="response")
        rid = r1.get("id", "")
        calls = [o for o in r1.get("output", []) if o.get("type") == "function_call"]
        check(len(calls) == 1 and json.loads(calls[0]["arguments"]) == {"q": "x"},
              f"createResponse makes the call: {r1}")
        op("getResponse", "--response-id", rid, obj="response")
        op("listInputItems", "--response-id", rid, obj="list")
        t = op("Getinputtokencounts", "--model", "gpt-4o", "--input", "one two three",
               obj="response.input_tokens")
        check(t.get("input_tokens", 0) > 0, f"input tokens: {t}")
        op("Compactconversation", "--model", "gpt-4o", "--previous-response-id", rid,
           obj="response.compaction")
        bg = op("createResponse", "--body", response_body("slowly", background=True),
                obj="response")
        check(bg.get("status") == "queued", f"a background response is queued: {bg}")
        c = op("cancelResponse", "--response-id", bg.get("id", ""), obj="response")
        check(c.get("status") == "cancelled", f"cancelResponse: {c}")
        d = op("deleteResponse", "--response-id", rid, obj="response.deleted")
        check(d.get("deleted") is True, f"deleteResponse: {d}")
        op("deleteConversation", "--conversation-id", cid, obj="conversation.deleted")

        tsv = os.path.join(os.environ.get("COASSIST_REFERENCE_DIR", ""), "openai-spec",
                           "operations-responses.tsv")
        with open(tsv) as f:
            ids = {l.split("\t")[2] for l in f.read().splitlines()[1:] if l.strip()}
        check(len(ids) == 15, f"15 operations in operations-responses.tsv, found {len(ids)}")
        check(ids == called, f"operations never called: {sorted(ids - called)}")

        # GROUP VERB forms
        r = ok(["responses", "create", "--model", "gpt-4o", "--input", "group verbs work"], b,
               "response")
        text = "".join(p.get("text", "") for o in r.get("output", [])
                       if o.get("type") == "message" for p in o.get("content", []))
        check(text == "You said: group verbs work", f"responses create: {text!r}")
        ok(["responses", "retrieve", "--response-id", r.get("id", "")], b, "response")
        ok(["input-items", "list", "--response-id", r.get("id", "")], b, "list")
        ok(["input-tokens", "count", "--model", "gpt-4o", "--input", "x"], b,
           "response.input_tokens")
        ok(["conversations", "create"], b, "conversation")

        # a response that ends incomplete or failed is not success: printed, and exit 1
        r = cli(["responses", "create", "--model", "gpt-4o", "--input", LONG_INPUT,
                 "--max-output-tokens", "16"], b)
        check(r.rc == 1 and r.json().get("status") == "incomplete" and
              r.error().get("type") == "response_incomplete" and
              "max_output_tokens" in r.error().get("message", ""),
              f"an incomplete response exits 1: {r}")
        r = cli(["responses", "create", "--model", "gpt-4o", "--input", "/call nosuchtool {}"], b)
        check(r.rc == 1 and r.json().get("status") == "failed" and
              r.error().get("code") == "invalid_prompt", f"a failed response exits 1: {r}")
        # API errors as for Assistants
        r = cli(["responses", "retrieve", "--response-id", "resp_nope"], b)
        check(r.rc == 1 and r.error().get("kind") == "not_found" and r.error().get("status") == 404,
              f"404: {r}")
        r = cli(["responses", "create", "--input", "x", "--previous-response-id", "resp_nope"], b)
        check(r.rc == 1 and r.error().get("param") == "previous_response_id", f"400: {r}")
        r = cli(["responses", "cancel"], b)
        check(r.rc == 2 and r.error().get("kind") == "usage", f"missing --response-id: {r}")
    finally:
        emu.close()


def stream_lines(r):
    try:
        return r.lines()
    except ValueError:
        return []


def case_responses_stream():
    emu = Emulator()
    b = emu.base_url
    try:
        r = cli(["responses", "create", "--model", "gpt-4o", "--input", "stream me please",
                 "--stream"], b)
        check(r.rc == 0, f"responses create --stream exits 0: {r}")
        events = stream_lines(r)
        check(events and all(set(e) == {"event", "data"} for e in events),
              "one {event, data} line per event")
        types = [e["event"] for e in events]
        check(types[:2] == ["response.created", "response.in_progress"] and
              types[-1:] == ["response.completed"], f"created ... completed: {types}")
        check([e["data"].get("sequence_number") for e in events] == list(range(len(events))),
              "every event, in sequence")
        text = "".join(e["data"]["delta"] for e in events
                       if e["event"] == "response.output_text.delta")
        check(text == "You said: stream me please", f"streamed text: {text!r}")

        # a stream ending failed, incomplete or with `error` exits 1 after its events
        post(b, "/_emulator/scripts", {"turns": [{"fail": {"code": "server_error",
                                                            "message": "it broke"}}]})
        r = cli(["responses", "create", "--model", "gpt-4o", "--input", "x", "--stream"], b)
        events = stream_lines(r)
        check(r.rc == 1 and events and events[-1]["event"] == "response.failed" and
              r.error().get("message", "").startswith("it broke"),
              f"a failed stream exits 1: {r}")
        r = cli(["responses", "create", "--model", "gpt-4o", "--input", LONG_INPUT,
                 "--max-output-tokens", "16", "--stream"], b)
        events = stream_lines(r)
        check(r.rc == 1 and events and events[-1]["event"] == "response.incomplete" and
              r.error().get("type") == "response_incomplete", f"an incomplete stream exits 1: {r}")
        post(b, "/_emulator/scripts", {"turns": [{"stream_error": {"code": "server_error",
                                                                    "message": "stream broke"}}]})
        r = cli(["responses", "create", "--model", "gpt-4o", "--input", "x", "--stream"], b)
        events = stream_lines(r)
        check(r.rc == 1 and events and events[-1]["event"] == "error" and
              r.error().get("kind") == "stream_error" and
              r.error().get("message") == "stream broke", f"an error event exits 1: {r}")
        # cut before a terminal event: exit 3; unknown and keepalive events do not break it
        post(b, "/_emulator/faults", {"fault": {"cut": "mid_stream", "after_events": 3}})
        r = cli(["responses", "create", "--model", "gpt-4o", "--input", "x y z", "--stream",
                 "--max-retries", "0"], b)
        check(r.rc == 3 and len(stream_lines(r)) == 3, f"a cut stream exits 3: {r}")
        post(b, "/_emulator/faults", {"fault": {"unknown_event": 2, "keepalive_event": 3}})
        r = cli(["responses", "create", "--model", "gpt-4o", "--input", "x y z", "--stream"], b)
        types = [e["event"] for e in stream_lines(r)]
        check(r.rc == 0 and "response.emulator_unknown_event" in types and
              "keepalive" not in types and types[-1:] == ["response.completed"],
              f"unknown events printed, keepalives skipped: {r}")

        # --accumulate: the last line is {"final_response": RESPONSE}, the snapshot built from the
        # events; parallel calls keep their own arguments, even interleaved
        tools = json.dumps([FN_TOOL])
        calls_input = '/call lookup {"q": "a"}\n/call lookup {"q": "bb"}\n/call lookup {"q": "c"}'
        for interleave in (False, True):
            if interleave:
                post(b, "/_emulator/faults", {"fault": {"interleave_arguments": True}})
            r = cli(["responses", "create", "--model", "gpt-4o", "--input", calls_input,
                     "--tools", tools, "--stream", "--accumulate"], b)
            lines = stream_lines(r)
            last = lines[-1] if lines else {}
            fr = last.get("final_response") or {}
            check(r.rc == 0 and set(last) == {"final_response"} and
                  lines[-2].get("event") == "response.completed",
                  f"--accumulate ends with the final response (interleave={interleave}): {r}")
            args = [json.loads(o["arguments"]) for o in fr.get("output", [])
                    if o.get("type") == "function_call"]
            check(args == [{"q": "a"}, {"q": "bb"}, {"q": "c"}],
                  f"accumulated calls (interleave={interleave}): {args}")
            stored = ok(["responses", "retrieve", "--response-id", fr.get("id", "")], b,
                        "response")
            check(fr.get("output") == stored.get("output") and fr.get("status") == "completed",
                  "the accumulated snapshot equals the stored response")
        r = cli(["responses", "create", "--model", "gpt-4o", "--input", LONG_INPUT,
                 "--max-output-tokens", "16", "--stream", "--accumulate"], b)
        lines = stream_lines(r)
        fr = (lines[-1] if lines else {}).get("final_response") or {}
        check(r.rc == 1 and fr.get("status") == "incomplete" and
              fr.get("incomplete_details") == {"reason": "max_output_tokens"},
              f"an incomplete accumulated response: last line, then exit 1: {r}")
        post(b, "/_emulator/scripts", {"turns": [{"stream_error": {"code": "server_error",
                                                                    "message": "stream broke"}}]})
        r = cli(["responses", "create", "--model", "gpt-4o", "--input", "x", "--stream",
                 "--accumulate"], b)
        lines = stream_lines(r)
        check(r.rc == 1 and lines and "final_response" not in lines[-1],
              f"no final line after an error event: {r}")

        # a background response streamed again from a sequence number
        bg = ok(["responses", "create", "--model", "gpt-4o", "--input", "resume me now",
                 "--background", "true"], b, "response")
        r = cli(["responses", "retrieve", "--response-id", bg.get("id", ""), "--stream",
                 "--starting-after", "2"], b)
        events = stream_lines(r)
        check(r.rc == 0 and events and events[0]["data"].get("sequence_number") == 3 and
              events[-1]["event"] == "response.completed", f"resume after 2: {r}")
        r = cli(["responses", "retrieve", "--response-id", bg.get("id", ""), "--stream",
                 "--accumulate"], b)
        lines = stream_lines(r)
        fr = (lines[-1] if lines else {}).get("final_response") or {}
        text = "".join(p.get("text", "") for o in fr.get("output", [])
                       if o.get("type") == "message" for p in o.get("content", []))
        check(r.rc == 0 and text == "You said: resume me now",
              f"a background response replayed whole and accumulated: {r}")
    finally:
        emu.close()


CASES = {"operations": case_operations, "group_verb": case_group_verb,
         "exit_codes": case_exit_codes, "stream": case_stream,
         "stream_timing": case_stream_timing, "tls": case_tls, "help": case_help,
         "responses_operations": case_responses_operations,
         "responses_stream": case_responses_stream}

if __name__ == "__main__":
    t0 = time.monotonic()
    CASES[CASE]()
    print(f"{CASE}: {len(failures)} failure(s) in {time.monotonic() - t0:.1f} s")
    sys.exit(1 if failures else 0)
