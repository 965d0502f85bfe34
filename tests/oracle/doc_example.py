#!/usr/bin/env python3
"""doc_example.py - rebuild the worked example of format/FORMAT.md.

Usage: doc_example.py FORMAT.md DIR

Writes the segment shown as a hex dump in the "Worked example" section into
DIR (under the file name the section gives) and writes the `binvault cat`
lines the section shows into DIR.cat (a file next to DIR), so that a test
can check that the example is a real, valid segment and that it prints as
documented.
"""

import os
import re
import sys


def fenced_after(lines, i):
    """The lines of the first ``` block starting after line i."""
    while not lines[i].startswith("```"):
        i += 1
    j = i + 1
    while not lines[j].startswith("```"):
        j += 1
    return lines[i + 1 : j]


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    lines = open(argv[1], encoding="utf-8").read().splitlines()
    start = lines.index("Worked example")
    name = size = None
    for i in range(start, len(lines)):
        m = re.match(r"The file is `([^`]+)`, (\d+) bytes:", lines[i])
        if m:
            name, size = m.group(1), int(m.group(2))
            dump = fenced_after(lines, i)
            break
    if name is None:
        print("doc_example: no hex dump in the worked example", file=sys.stderr)
        return 1
    data = bytearray()
    for ln in dump:
        off, rest = ln.split(": ", 1)
        if int(off, 16) != len(data):
            print("doc_example: dump line at %s out of order" % off, file=sys.stderr)
            return 1
        data += bytes.fromhex(rest[:39].replace(" ", ""))
    if len(data) != size:
        print("doc_example: dump has %d bytes, the text says %d" % (len(data), size), file=sys.stderr)
        return 1
    os.makedirs(argv[2], exist_ok=True)
    with open(os.path.join(argv[2], name), "wb") as f:
        f.write(data)
    for i in range(start, len(lines)):
        if lines[i].startswith("`binvault cat` prints this segment as:"):
            with open(argv[2].rstrip("/") + ".cat", "w", encoding="utf-8") as f:
                f.write("\n".join(fenced_after(lines, i)) + "\n")
            break
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
