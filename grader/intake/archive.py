"""Submission archives (``grade submit``): a zip with ``submission.json`` and the files.

``submission.json``::

    {"format": 1, "chapter": "ch02_numerics", "module": "numerics.py",
     "created": "2026-11-22T10:00:00+00:00", "grader_version": "0.1.0",
     "files": [{"path": "numerics.py", "bytes": 1234, "sha256": "..."}]}

Reading never extracts to disk: only the module member is read, in memory, with
size caps; names with ``..``, absolute paths or links are refused.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import stat
import zipfile
from pathlib import Path

ARCHIVE_MANIFEST = "submission.json"
MAX_MEMBERS = 64
MAX_MEMBER_BYTES = 8 << 20


@dataclasses.dataclass
class ArchiveContent:
    module_name: str
    module_bytes: bytes
    notes: list[str]


def pack_submission(*, files: dict[str, bytes], chapter: str, module: str, out: Path, version: str) -> dict:
    """Write the archive; return its manifest."""
    manifest = {
        "format": 1,
        "chapter": chapter,
        "module": module,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "grader_version": version,
        "files": [
            {"path": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for name, data in sorted(files.items())
        ],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(ARCHIVE_MANIFEST, json.dumps(manifest, indent=2) + "\n")
        for name, data in sorted(files.items()):
            zf.writestr(name, data)
    return manifest


def _safe_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return not name.startswith(("/", "\\")) and ".." not in parts and ":" not in name and name.strip() != ""


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > MAX_MEMBER_BYTES:
        raise ValueError(f"{info.filename} in the archive is {info.file_size} bytes; the limit is {MAX_MEMBER_BYTES}")
    with zf.open(info) as fh:
        data = fh.read(MAX_MEMBER_BYTES + 1)
    if len(data) > MAX_MEMBER_BYTES:
        raise ValueError(f"{info.filename} in the archive expands past {MAX_MEMBER_BYTES} bytes")
    return data


def read_archive(path: Path, *, module: str, chapter: str) -> ArchiveContent:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValueError(f"{path.name} is not a readable zip archive ({exc})") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ValueError(f"the archive has {len(infos)} members; the limit is {MAX_MEMBERS}")
        by_name = {}
        for info in infos:
            if not _safe_name(info.filename):
                raise ValueError(f"the archive member name {info.filename!r} is not allowed")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise ValueError(f"the archive member {info.filename!r} is a symbolic link")
            by_name[info.filename] = info
        notes: list[str] = []
        manifest = None
        if ARCHIVE_MANIFEST in by_name:
            try:
                manifest = json.loads(_read_member(zf, by_name[ARCHIVE_MANIFEST]))
            except ValueError as exc:
                raise ValueError(f"{ARCHIVE_MANIFEST} is not valid JSON ({exc})") from None
            if not isinstance(manifest, dict):
                raise ValueError(f"{ARCHIVE_MANIFEST} is not a JSON object")
            if manifest.get("chapter") != chapter:
                raise ValueError(f"the archive is for chapter {manifest.get('chapter')!r}, not {chapter!r}")
        else:
            notes.append(f"the archive has no {ARCHIVE_MANIFEST}; it was not made by `grade submit`")
        wanted = [f"{module}.py"]
        if manifest and isinstance(manifest.get("module"), str):
            wanted.insert(0, manifest["module"])
        wanted += sorted(n for n in by_name if n.endswith(".ipynb") and "/" not in n)
        name = next((n for n in wanted if n in by_name), None)
        if name is None:
            raise ValueError(f"the archive holds no {module}.py (members: {', '.join(sorted(by_name)[:10])})")
        data = _read_member(zf, by_name[name])
        if manifest:
            listed = {f.get("path"): f.get("sha256") for f in manifest.get("files", []) if isinstance(f, dict)}
            digest = hashlib.sha256(data).hexdigest()
            if name not in listed:
                notes.append(f"{name} is not listed in {ARCHIVE_MANIFEST}")
            elif listed[name] != digest:
                notes.append(f"the sha256 of {name} does not match {ARCHIVE_MANIFEST} (the archive was altered)")
        return ArchiveContent(name, data, notes)
