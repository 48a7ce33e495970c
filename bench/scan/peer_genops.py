"""Peer figure: the opcode walk picklescan and modelscan run (pickletools.genops over every opcode).

usage: peer_genops.py FILE  -> prints seconds for one full walk
"""
import pickletools
import sys
import time

with open(sys.argv[1], "rb") as f:
    data = f.read()
start = time.perf_counter()
n = 0
status = "ok"
try:
    for _ in pickletools.genops(data):
        n += 1
except ValueError:
    # genops stops at joblib's raw array bytes, as picklescan does
    status = "stopped"
print(time.perf_counter() - start, n, status)
