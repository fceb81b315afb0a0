#!/usr/bin/env python3
"""Writes save_synthetic.tar: a `docker save` archive (Docker 20.10's layout:
ID/layer.tar and manifest.json) of three layers, bottom first, exercising
what palisade audit's docker-save reader must get right. Expected merged
view: /bin/su (4755), /usr/bin/wall (2755), /very/long/.../tool (4755,
a pax path); everything else hidden or not setuid.
Run from this directory: python3 make_save_tar.py"""
import io, json, tarfile

def layer(entries, fmt):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for name, kind, mode in entries:
            ti = tarfile.TarInfo(name)
            ti.mode = mode
            ti.mtime = 0
            if kind == "dir":
                ti.type = tarfile.DIRTYPE
                t.addfile(ti)
            else:
                data = b"x"
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()

LONG = "very/" + "long/" * 30 + "tool"
bottom = layer([("bin", "dir", 0o755), ("bin/su", "f", 0o4755), ("bin/passwd", "f", 0o4755),
                ("bin/mount", "f", 0o4755), ("usr", "dir", 0o755), ("usr/bin", "dir", 0o755),
                ("usr/bin/wall", "f", 0o2755), ("opt/tool/helper", "f", 0o4711),
                ("srv/data/suid", "f", 0o4755), (LONG, "f", 0o4755), ("bin/ls", "f", 0o755)],
               tarfile.PAX_FORMAT)
middle = layer([("bin", "dir", 0o755), ("bin/passwd", "f", 0o755),   # chmod u-s
                ("bin/.wh.mount", "f", 0o644),                        # rm
                ("opt", "f", 0o644),                                  # a file where a dir was
                ("srv/data", "dir", 0o755), ("srv/data/.wh..wh..opq", "f", 0o644)],  # opaque
               tarfile.GNU_FORMAT)
top = layer([("etc/hostname", "f", 0o644)], tarfile.USTAR_FORMAT)
names = ["aaa/layer.tar", "bbb/layer.tar", "ccc/layer.tar"]
out = io.BytesIO()
with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as t:
    for name, data in zip(names, [bottom, middle, top]):
        d = tarfile.TarInfo(name.split("/")[0]); d.type = tarfile.DIRTYPE; d.mtime = 0; t.addfile(d)
        ti = tarfile.TarInfo(name); ti.size = len(data); ti.mtime = 0
        t.addfile(ti, io.BytesIO(data))
    cfg = b'{"config": {}}'
    ti = tarfile.TarInfo("config.json"); ti.size = len(cfg); ti.mtime = 0
    t.addfile(ti, io.BytesIO(cfg))
    man = json.dumps([{"Config": "config.json", "RepoTags": ["synthetic:1"], "Layers": names}]).encode()
    ti = tarfile.TarInfo("manifest.json"); ti.size = len(man); ti.mtime = 0
    t.addfile(ti, io.BytesIO(man))
open("save_synthetic.tar", "wb").write(out.getvalue())
