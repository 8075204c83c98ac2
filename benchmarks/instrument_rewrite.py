"""Time `finale instrument` on a generated 2,000-line Pipeline (comments, flow lists, scripts).

Run: python benchmarks/instrument_rewrite.py [N]   (median of N runs, default 7)
"""

from __future__ import annotations

import statistics
import sys
import time

from finale.adapters.yaml.instrument import instrument_text
from finale.core.instrument.plan import Options

HEAD = """# generated
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: big
spec:
  params:
    - name: revision
      default: 'main'
  tasks:
"""
TASK = """    # task {i}
    - name: t{i}  # number {i}
      runAfter: [{after}]
      taskRef:
        name: step
      when:
        - input: "$(params.revision)"
          operator: in
          values: ["main", "release"]
      params:
        - name: IMAGE
          value: "registry.example.com/repo:$(params.revision)"
        - name: script
          value: |
            echo {i}
            make image
"""


def pipeline(tasks: int = 124) -> str:
    return HEAD + "".join(TASK.format(i=i, after=f"t{i - 1}" if i else "") for i in range(tasks))


def main(runs: int) -> None:
    text = pipeline()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        instrument_text(text, "big.yaml", Options(start_status=True))
        times.append(time.perf_counter() - start)
    lines = text.count("\n")
    print(f"instrument {lines} lines: median {statistics.median(times) * 1000:.0f} ms over {runs} runs")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
