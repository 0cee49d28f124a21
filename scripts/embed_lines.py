#!/usr/bin/env python3
"""Build step: a text file of names, one a line -> a C initializer list of string
literals (`"a", "b", ...`), so core/ keeps class-name lists as data in assets/
and still needs no data files at run time.   embed_lines.py IN.txt OUT.inc"""
import sys

src, dst = sys.argv[1], sys.argv[2]
lines = [l.rstrip("\n") for l in open(src, encoding="utf-8")]
out = ["/* generated from %s by scripts/embed_lines.py: do not edit */" % src.split("/")[-1]]
for l in lines:
    out.append('"%s",' % l.replace("\\", "\\\\").replace('"', '\\"'))
open(dst, "w", encoding="utf-8").write("\n".join(out) + "\n")
