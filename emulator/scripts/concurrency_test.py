#!/usr/bin/env python3
"""Many clients at once on many emulator threads: runs coassist-emulator-load in `mixed` mode
against an emulator with --threads 4, then stops it. Fails on any unexpected status, a non-zero
exit, or a ThreadSanitizer report (run it on a -DCOASSIST_SANITIZE=thread build for the TSan test).

usage: concurrency_test.py EMULATOR LOAD_CLIENT [CONNECTIONS] [ITERATIONS]"""
import select
import signal
import subprocess
import sys

emu, load = sys.argv[1], sys.argv[2]
connections = sys.argv[3] if len(sys.argv) > 3 else "8"
iterations = sys.argv[4] if len(sys.argv) > 4 else "10"
p = subprocess.Popen([emu, "--listen", "127.0.0.1:0", "--threads", "4", "--run-step-ms", "1"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
ready, _, _ = select.select([p.stdout], [], [], 60)
assert ready, "emulator did not start"
base = p.stdout.readline().strip()[len("listening on "):]
try:
    r = subprocess.run([load, "mixed", base, "--connections", connections, "--iterations", iterations],
                       capture_output=True, text=True, timeout=600)
finally:
    p.send_signal(signal.SIGTERM)
    code = p.wait(timeout=60)
err = p.stderr.read()
print(r.stdout.strip())
print(r.stderr[-2000:])
print(err[-4000:])
assert r.returncode == 0, f"load client exit {r.returncode}"
assert "ThreadSanitizer" not in err and "AddressSanitizer" not in err, "sanitizer report"
assert code == 0, f"emulator exit {code}"
print("concurrency: ok")
