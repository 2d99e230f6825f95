#!/usr/bin/env python3
"""mapsize.py - where the bytes of a static binary come from.

    python3 bench/mapsize.py LINKER.map

Reads a GNU ld map (-Wl,-Map=...) and prints JSON: the bytes each input
file contributes to the loaded image (every allocated output section except
.bss/.tbss, which take no room in the file), grouped as envinit's own
objects, libsodium, inih, musl libc and the C runtime start files, plus the
libsodium and libc archive members that were pulled in and why (the first
reference the linker recorded).
"""
import json
import re
import sys

NOBITS = {".bss", ".tbss"}
# sections that a stripped binary does not keep, or that take no room
SKIP_PREFIX = (".debug", ".comment", ".note.GNU-stack", ".gnu.attributes",
               ".symtab", ".strtab", ".shstrtab", "/DISCARD/", ".stab")

IN_SECTION = re.compile(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
CONTINUED = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
LONE_NAME = re.compile(r"^ (\S+)$")
OUT_SECTION = re.compile(r"^(\.\S+|\S+)(\s+0x[0-9a-f]+\s+0x[0-9a-f]+)?\s*$")
ARCHIVE = re.compile(r"^(.*/)?([^/()]+\.a)\(([^)]+)\)$")


def group_of(path):
    m = ARCHIVE.match(path)
    if m:
        lib, member = m.group(2), m.group(3)
        if lib.startswith("libsodium"):
            return "libsodium", member.replace("libsodium_la-", "")
        if lib.startswith("libinih"):
            return "inih", member
        if lib in ("libc.a",):
            return "musl libc", member
        return lib, member
    base = path.rsplit("/", 1)[-1]
    if "/rel/" in path or path.startswith("build/"):
        return "envinit", base
    if base.startswith("crt") or "gcc" in path:
        return "C runtime (crt*.o, libgcc)", base
    if path.endswith(".o"):
        return "envinit", base
    return "other", base


def parse(path):
    text = open(path, encoding="utf-8", errors="replace").read().split("\n")
    # "Archive member included to satisfy reference by file (symbol)"
    why = {}
    i = 0
    if text and text[0].startswith("Archive member included"):
        i = 1
        while i < len(text) and not text[i].startswith("Discarded input") \
                and not text[i].startswith("Memory Configuration"):
            line = text[i]
            if line and not line[0].isspace():
                member = line.strip()
                nxt = text[i + 1].strip() if i + 1 < len(text) else ""
                m = re.match(r"^(.*) \((.*)\)$", nxt)
                if m:
                    g, mem = group_of(member)
                    rg, rmem = group_of(m.group(1))
                    why[(g, mem)] = {"by": rmem, "by_group": rg,
                                     "symbol": m.group(2)}
            i += 1
    start = next((k for k, l in enumerate(text)
                  if l.startswith("Linker script and memory map")), None)
    if start is None:
        sys.exit("mapsize: no memory map in %s" % path)

    files = {}
    out_section = None
    pending = None
    for line in text[start + 1:]:
        if not line.strip():
            continue
        if line[0] not in " \t":
            m = OUT_SECTION.match(line)
            out_section = m.group(1) if m else None
            pending = None
            continue
        if out_section is None or out_section in NOBITS \
                or out_section.startswith(SKIP_PREFIX) \
                or out_section.startswith(".note") and out_section != ".note.gnu.build-id":
            continue
        m = IN_SECTION.match(line)
        if m:
            name, size, where = m.group(1), int(m.group(3), 16), m.group(4)
        else:
            m2 = LONE_NAME.match(line)
            if m2:
                pending = m2.group(1)
                continue
            m3 = CONTINUED.match(line)
            if not (m3 and pending):
                continue
            name, size, where = pending, int(m3.group(2), 16), m3.group(3)
            pending = None
        if name.startswith("*fill*"):
            continue
        if name in ("LOAD", "OUTPUT"):
            continue
        if size == 0 or name.startswith(SKIP_PREFIX):
            continue
        where = where.strip()
        if " " in where:  # "0x... symbol" lines have no file
            continue
        key = group_of(where)
        entry = files.setdefault(key, {"group": key[0], "file": key[1],
                                       "bytes": 0, "text": 0, "rodata": 0,
                                       "data": 0})
        entry["bytes"] += size
        if out_section.startswith(".text") or out_section in (".init", ".fini"):
            entry["text"] += size
        elif out_section.startswith(".rodata") or out_section.startswith(".eh_frame"):
            entry["rodata"] += size
        else:
            entry["data"] += size

    groups = {}
    for e in files.values():
        g = groups.setdefault(e["group"], {"bytes": 0, "files": 0})
        g["bytes"] += e["bytes"]
        g["files"] += 1
    members = sorted(files.values(), key=lambda e: -e["bytes"])
    for e in members:
        w = why.get((e["group"], e["file"]))
        if w:
            e["pulled_by"] = w
    return {"groups": groups, "files": members,
            "total": sum(e["bytes"] for e in members)}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    json.dump(parse(sys.argv[1]), sys.stdout, indent=1)
    sys.stdout.write("\n")
