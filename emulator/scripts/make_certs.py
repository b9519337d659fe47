#!/usr/bin/env python3
"""Writes a fresh CA and server certificate into DIR with `coassist-emulator --tls-self-signed DIR`
(the emulator writes them before it listens), then stops that emulator. The Node conformance
tests trust DIR/ca.pem (NODE_EXTRA_CA_CERTS, read when node starts) and serve DIR/server.pem.

usage: make_certs.py EMULATOR DIR"""
import os
import subprocess
import sys


def main():
    exe, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    p = subprocess.Popen([exe, "--listen", "127.0.0.1:0", "--tls-self-signed", out],
                         stdout=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
    finally:
        p.terminate()
        try:
            code = p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            code = p.wait()
    # the files are complete before the first line; the exit code of the stopped server (SIGTERM
    # may come before it installs its handler) says nothing about them
    del code
    ok = line.startswith("listening on https://") and all(
        os.path.getsize(os.path.join(out, f)) > 0 for f in ("ca.pem", "server.pem", "server.key"))
    print(("wrote " if ok else "FAILED: ") + out + " (" + line.strip() + ")")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
