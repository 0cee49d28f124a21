#!/usr/bin/env python3
"""Writes assets/classes/imagenet-1k.txt: the 1000 ImageNet-1k class names, one a
line, in the class-index order of torchvision's pretrained models (the order every
ImageNet checkpoint's classifier uses). Source: Debian's python3-torchvision
(torchvision/models/_meta.py, _IMAGENET_CATEGORIES), read as text with `ast`, so
neither torch nor torchvision is imported.

    apt-get install -y --no-install-recommends python3-torchvision
    python3 scripts/make_imagenet_classes.py [PATH_TO__meta.py]
"""
import ast
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "assets", "classes", "imagenet-1k.txt")


def find_meta():
    if len(sys.argv) > 1:
        return sys.argv[1]
    for d in sys.path + ["/usr/lib/python3/dist-packages"]:
        p = os.path.join(d, "torchvision", "models", "_meta.py")
        if os.path.exists(p):
            return p
    sys.exit("torchvision/models/_meta.py not found: apt-get install python3-torchvision")


def main():
    path = find_meta()
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    names = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "_IMAGENET_CATEGORIES" for t in node.targets):
            names = ast.literal_eval(node.value)
    if names is None or len(names) != 1000:
        sys.exit("%s: no list of 1000 _IMAGENET_CATEGORIES" % path)
    for n in names:
        if not n or "\n" in n:
            sys.exit("%s: an empty or multi-line class name: %r" % (path, n))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    tmp = OUT + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(names) + "\n")
    os.replace(tmp, OUT)
    print("wrote %d names to %s" % (len(names), os.path.normpath(OUT)))


if __name__ == "__main__":
    main()
