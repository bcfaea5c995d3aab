"""Markdown tables for docs/performance.md from a saved roofline report.

    python bench/roofline.py > docs/data/amd2_roofline.txt
    python tools/roofline_tables.py docs/data/amd2_roofline.txt > docs/perf/amd2_tables.md

One table per dtype at 10**7 elements: GB/s, x copy, x stream and relufast / PyTorch for
1 thread and all threads, and the in-cache cycles per element with the bound, all taken from
the report's own lines (nothing is recomputed).
"""
from __future__ import annotations

import re
import sys

N = "10,000,000"


def parse(text: str) -> tuple[dict[str, dict[str, list[list[str]]]], dict[str, dict[str, tuple[str, str]]]]:
    """Rows of the 10**7 blocks ({dtype: {op: [1-thread cells, all-thread cells]}}) and the
    bound table ({dtype: {op: (cache cycles, bound)}})."""
    rows: dict[str, dict[str, list[list[str]]]] = {}
    bounds: dict[str, dict[str, tuple[str, str]]] = {}
    block = None
    in_bounds = None
    for line in text.splitlines():
        m = re.match(r"(float\d+), n = ([\d,]+):", line)
        if m:
            block = m.group(1) if m.group(2) == N else None
            in_bounds = None
            if block:
                rows[block] = {}
            continue
        m = re.match(r"  (float\d+):\s+cache ns", line)
        if m:
            in_bounds, block = m.group(1), None
            bounds[in_bounds] = {}
            continue
        if block and "|" in line and re.match(r"  [a-z]", line) and not line.strip().startswith("op"):
            left, *rest = line.split("|")
            name, *cells1 = left.split()
            rows[block][name] = [cells1] + [r.split() for r in rest]
        elif in_bounds and "|" in line and re.match(r"  [a-z]", line):
            parts = line.replace("|", " ").split()
            bounds[in_bounds][parts[0]] = (parts[2], parts[-1])
        elif in_bounds and not line.strip():
            in_bounds = None
    return rows, bounds


def table(dtype: str, rows: dict[str, list[list[str]]], bounds: dict[str, tuple[str, str]]) -> str:
    out = [f"{dtype}, 10**7 elements, in place (GB/s; x copy, x stream: ratio to np.copyto and to "
           "the op's own traffic through a NumPy ufunc; vs torch: PyTorch's time / relufast's)", "",
           "| op | 1 thread GB/s | x copy | x stream | vs torch | 2 threads GB/s | x copy | vs torch "
           "| cycles/element (cache, 1 thread) | bound |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for op, (one, allt) in rows.items():
        # cells: ms GB/s copy xcopy xstrm torch rf/torch target
        star = "*" if one[5].endswith("*") else ""
        cyc, bound = bounds.get(op, ("-", "-"))
        out.append(f"| {op} | {one[1]} | {one[3]} | {one[4]} | {one[6]}{star} | {allt[1]} | "
                   f"{allt[3]} | {allt[6]} | {cyc} | {bound} |")
    return "\n".join(out)


def main() -> None:
    text = open(sys.argv[1]).read()
    rows, bounds = parse(text)
    print("\n\n".join(table(d, rows[d], bounds.get(d, {})) for d in ("float32", "float64") if d in rows))


if __name__ == "__main__":
    main()
