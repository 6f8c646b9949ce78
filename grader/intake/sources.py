"""Resolve a submission path to the module text that will be graded.

Accepted: a folder holding ``<module>.py`` (or one ``.ipynb``, or one submission
archive), a ``.py`` file, a ``.ipynb`` notebook, or a ``.zip`` made by ``grade submit``.
Only the chapter's module is taken; any other file beside it (a ``numpy.py``, a
``conftest.py``) is ignored. Problems never raise: they are recorded in
``Submission.problem`` and the submission is graded as broken.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

from grader.intake.archive import read_archive
from grader.intake.notebook import notebook_source

MAX_SOURCE_BYTES = 1 << 20


@dataclasses.dataclass
class Submission:
    id: str
    path: Path
    kind: str  # folder, py, ipynb, archive, missing
    source: str | None = None
    problem: str | None = None
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def sha256(self) -> str | None:
        return hashlib.sha256(self.source.encode()).hexdigest() if self.source is not None else None


def _decode(data: bytes, what: str) -> str:
    if len(data) > MAX_SOURCE_BYTES:
        raise ValueError(f"{what} is {len(data)} bytes; the limit is {MAX_SOURCE_BYTES}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{what} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _read_file(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES * 8:
        raise ValueError(f"{path.name} is {size} bytes; the limit is {MAX_SOURCE_BYTES * 8}")
    return path.read_bytes()


def load_submission(path: Path, *, module: str, chapter: str, id: str | None = None) -> Submission:
    path = Path(path)
    sid = id or (path.stem if path.suffix in (".py", ".ipynb", ".zip") else path.name) or "submission"
    sub = Submission(id=sid, path=path, kind="missing")
    try:
        if path.is_symlink():
            raise ValueError(f"{path} is a symbolic link; submit the file itself")
        if path.is_dir():
            sub.kind = "folder"
            _from_folder(sub, path, module=module, chapter=chapter)
        elif path.suffix == ".py" and path.is_file():
            sub.kind = "py"
            sub.source = _decode(_read_file(path), path.name)
        elif path.suffix == ".ipynb" and path.is_file():
            sub.kind = "ipynb"
            sub.source = notebook_source(_decode(_read_file(path), path.name))
        elif path.suffix == ".zip" and path.is_file():
            sub.kind = "archive"
            _from_archive(sub, path, module=module, chapter=chapter)
        elif not path.exists():
            raise ValueError(f"{path} does not exist")
        else:
            raise ValueError(f"{path.name} is not a folder, .py, .ipynb or .zip submission")
    except (ValueError, OSError) as exc:
        sub.source, sub.problem = None, str(exc)
    return sub


def _from_folder(sub: Submission, folder: Path, *, module: str, chapter: str) -> None:
    target = folder / f"{module}.py"
    if target.is_file() and not target.is_symlink():
        sub.source = _decode(_read_file(target), target.name)
        return
    notebooks = sorted(p for p in folder.glob("*.ipynb") if p.is_file() and not p.is_symlink())
    archives = sorted(p for p in folder.glob("*.zip") if p.is_file() and not p.is_symlink())
    if len(notebooks) == 1:
        sub.kind = "ipynb"
        sub.source = notebook_source(_decode(_read_file(notebooks[0]), notebooks[0].name))
    elif len(archives) == 1 and not notebooks:
        sub.kind = "archive"
        _from_archive(sub, archives[0], module=module, chapter=chapter)
    else:
        found = ", ".join(sorted(p.name for p in folder.iterdir())[:10]) or "nothing"
        raise ValueError(f"no {module}.py in {folder.name}/ (found: {found})")


def _from_archive(sub: Submission, archive: Path, *, module: str, chapter: str) -> None:
    content = read_archive(archive, module=module, chapter=chapter)
    sub.notes.extend(content.notes)
    name, data = content.module_name, content.module_bytes
    text = _decode(data, name)
    sub.source = notebook_source(text) if name.endswith(".ipynb") else text
