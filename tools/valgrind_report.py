"""Read a valgrind memcheck log (tools/valgrind.sh) and decide: exit 1 if relufast is implicated.

An error block is "==PID== <what>" followed by its stack ("at 0x...: fn (file)", "by 0x...")
and, for heap addresses, where the block was allocated or freed.  A block fails the run if
  * any of its frames is in relufast's compiled modules (_kernels_*, _openmp), or
  * it is an invalid read, write or free (addressability), wherever it happened.
Uninitialised-value reports without a relufast frame are counted and printed, not failed:
CPython 3.11 itself produces hundreds of them (int.from_bytes reads an uninitialised digit).
"""

import re
import sys

RELUFAST = re.compile(r"relufast|_kernels_(baseline|avx2|avx512)|_openmp\.")
ADDRESS = re.compile(r"Invalid (read|write|free)|Mismatched free|Source and destination overlap"
                     r"|points to unaddressable|Syscall param .* unaddressable")
UNINIT = re.compile(r"uninitialised|Conditional jump")
LEAK = re.compile(r"definitely lost")


def blocks(lines):
    """Error blocks: lists of lines between blank '==PID== ' lines."""
    block = []
    for line in lines:
        m = re.match(r"==\d+== ?(.*)$", line)
        if not m:
            continue
        text = m.group(1)
        if not text.strip():
            if block:
                yield block
            block = []
        else:
            block.append(text)
    if block:
        yield block


def main(path):
    with open(path, errors="replace") as f:
        lines = f.read().splitlines()
    failing, tolerated, leaks_elsewhere = [], 0, 0
    summary = ""
    for block in blocks(lines):
        head = block[0]
        found = [line for line in block if line.startswith("ERROR SUMMARY")]
        if found:
            summary = found[-1]
            continue
        is_error = ADDRESS.search(head) or UNINIT.search(head) or LEAK.search(head)
        if not is_error:
            continue
        implicated = any(RELUFAST.search(line) for line in block[1:])
        if implicated or ADDRESS.search(head):
            failing.append(block)
        elif LEAK.search(head):
            leaks_elsewhere += 1
        else:
            tolerated += 1
    print(f"valgrind: {summary or 'no ERROR SUMMARY (did valgrind run?)'}")
    print(f"valgrind: {tolerated} uninitialised-value contexts and {leaks_elsewhere} definite "
          "leaks outside relufast (CPython's own, tolerated)")
    if not summary:
        return 1
    if failing:
        print(f"valgrind: {len(failing)} error(s) implicating relufast or memory safety:")
        for block in failing[:20]:
            print("\n  " + "\n  ".join(block[:25]))
        return 1
    print("valgrind: clean (no relufast frame in any report, no invalid access anywhere)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
