"""The no-op's own cost, the same figure for every target of bench/pipelines/run.sh: a small fresh process (this one,
`python3 -I -S`, nothing imported beyond `os` and `time`) starts `true` and waits for it 50 times; prints the mean in
ms. Every target subtracts this figure (BENCH_NOOP_MS, measured once by run.sh) from its wall time per step, so the
overhead compared is the orchestrator's alone, not its own cost of starting a process (a fork of a large server
process, say), which is part of what is being compared.

    python3 -I -S bench/pipelines/noop_baseline.py [count=50]
"""

import os
import shutil
import sys
import time


def noop_ms(count: int = 50) -> float:
    true = shutil.which("true") or "/bin/true"
    start = time.perf_counter()
    for _ in range(count):
        pid = os.posix_spawn(true, ["true"], {})
        os.waitpid(pid, 0)
    return (time.perf_counter() - start) * 1000 / count


if __name__ == "__main__":
    print(f"{noop_ms(int(sys.argv[1]) if len(sys.argv) > 1 else 50):.3f}")
