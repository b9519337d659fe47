#!/usr/bin/env python3
"""The command-line contract of coassist-emulator: the first stdout line, SIGINT/SIGTERM exit 0,
bad options exit 2, --api-key, --log-requests lines, and --tls-self-signed serving TLS that
verifies against DIR/ca.pem for both localhost and 127.0.0.1.

usage: cli_test.py EMULATOR   (every wait has a deadline; exit 1 on the first failure)"""
import json
import os
import select
import signal
import ssl
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

EXE = sys.argv[1]
BETA = {"OpenAI-Beta": "assistants=v2"}


def start(*args):
    p = subprocess.Popen([EXE, "--listen", "127.0.0.1:0", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready, _, _ = select.select([p.stdout], [], [], 20)
    assert ready, "no first line within 20 s"
    line = p.stdout.readline().rstrip("\n")
    return p, line


def stop(p, sig=signal.SIGTERM):
    p.send_signal(sig)
    code = p.wait(timeout=10)
    assert code == 0, f"exit code {code} after {sig}: {p.stderr.read()}"


def get(url, headers=None, context=None, method="GET", body=None):
    req = urllib.request.Request(url, headers=headers or {}, method=method, data=body)
    try:
        with urllib.request.urlopen(req, timeout=10, context=context) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def main():
    # first line, SIGINT
    p, line = start()
    assert line.startswith("listening on http://127.0.0.1:") and line.endswith("/v1"), line
    base = line[len("listening on "):]
    status, body = get(base + "/files")
    assert status == 200 and json.loads(body)["object"] == "list", (status, body)
    status, body = get(base + "/nope")
    assert status == 404 and "Invalid URL" in json.loads(body)["error"]["message"], body
    stop(p, signal.SIGINT)

    # bad option: exit 2 with usage
    r = subprocess.run([EXE, "--bogus"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2 and "usage" in r.stderr, (r.returncode, r.stderr)

    with tempfile.TemporaryDirectory() as tmp:
        # --api-key and --log-requests
        log = os.path.join(tmp, "requests.jsonl")
        p, line = start("--api-key", "sk-right", "--log-requests", log)
        base = line[len("listening on "):]
        status, body = get(base + "/assistants", BETA)
        err = json.loads(body)["error"]
        assert status == 401 and err["type"] == "invalid_request_error" and "API key" in err["message"], body
        status, body = get(base + "/assistants", {**BETA, "Authorization": "Bearer sk-right", "Content-Type": "application/json"},
                           method="POST", body=b'{"model":"gpt-4o","tools":[{"type":"nope"}]}')
        assert status == 400 and json.loads(body)["error"]["param"] == "tools[0].type", body
        status, body = get(base + "/assistants", {**BETA, "Authorization": "Bearer sk-right", "Content-Type": "application/json"},
                           method="POST", body=b'{"model":"gpt-4o"}')
        assert status == 200, body
        # the Responses side is logged the same way, streams included
        auth = {"Authorization": "Bearer sk-right", "Content-Type": "application/json"}
        status, body = get(base + "/responses", auth, method="POST", body=b'{"model":"gpt-4o","input":"hi","stream":true}')
        assert status == 200 and "event: response.completed" in body and "[DONE]" not in body, body
        status, body = get(base + "/conversations", auth, method="POST", body=b'{"bogus":1}')
        assert status == 400 and json.loads(body)["error"]["param"] == "bogus", body
        stop(p)
        lines = [json.loads(x) for x in open(log, encoding="utf-8")]
        assert [x["status"] for x in lines] == [401, 400, 200, 200, 400], lines
        assert lines[1]["operationId"] == "createAssistant" and lines[1]["body_valid"] is False, lines[1]
        assert lines[2]["body_valid"] is True and lines[2]["method"] == "POST" and lines[2]["path"] == "/v1/assistants"
        assert lines[3]["operationId"] == "createResponse" and lines[3]["stream"] is True and lines[3]["body_valid"] is True, lines[3]
        assert lines[4]["operationId"] == "createConversation" and lines[4]["body_valid"] is False, lines[4]

        # --tls-self-signed DIR
        certs = os.path.join(tmp, "certs")
        p, line = start("--tls-self-signed", certs)
        assert line.startswith("listening on https://127.0.0.1:"), line
        port = line.rsplit(":", 1)[1].split("/")[0]
        ctx = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
        for host in ("localhost", "127.0.0.1"):
            status, body = get(f"https://{host}:{port}/v1/files", context=ctx)
            assert status == 200, (host, status, body)
        # the wrong name must not verify
        try:
            ctx2 = ssl.create_default_context(cafile=os.path.join(certs, "ca.pem"))
            import socket
            with socket.create_connection(("127.0.0.1", int(port)), timeout=10) as s:
                with ctx2.wrap_socket(s, server_hostname="example.com"):
                    raise AssertionError("a certificate for example.com was accepted")
        except ssl.SSLCertVerificationError:
            pass
        # and a client without the CA refuses it
        try:
            get(f"https://localhost:{port}/v1/files", context=ssl.create_default_context())
            raise AssertionError("verified without the CA")
        except urllib.error.URLError:
            pass
        stop(p)
    print("cli contract: ok")


if __name__ == "__main__":
    main()
