"""grader.intake: every kind of submission read as text; problems recorded, never raised."""

import zipfile

import nbformat
import pytest

from grader.intake import MAX_SOURCE_BYTES, load_submission, pack_submission

MOD = "def f():\n    return 1\n"


def load(path):
    return load_submission(path, module="numerics", chapter="ch02_numerics")


def test_folder_takes_only_the_module(tmp_path):
    (tmp_path / "numerics.py").write_text(MOD)
    (tmp_path / "numpy.py").write_text("raise SystemExit")
    (tmp_path / "conftest.py").write_text("raise SystemExit")
    sub = load(tmp_path)
    assert sub.source == MOD and sub.problem is None and sub.kind == "folder"


def test_py_file_and_notebook(tmp_path):
    (tmp_path / "mine.py").write_text(MOD)
    assert load(tmp_path / "mine.py").source == MOD
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# title"),
        nbformat.v4.new_code_cell("%matplotlib inline\n!pip install x\nimport math"),
        nbformat.v4.new_code_cell(MOD),
    ]
    nbformat.write(nb, tmp_path / "nb.ipynb")
    src = load(tmp_path / "nb.ipynb").source
    assert "# %matplotlib inline" in src and "# !pip install x" in src and "def f():" in src and "title" not in src
    compile(src, "nb", "exec")


@pytest.mark.parametrize(
    ("name", "data", "why"),
    [
        ("bad.ipynb", b"{not json", "could not be read"),
        ("latin.py", "x = 'é'\n".encode("latin-1"), "not UTF-8"),
        ("big.py", b"#" * (MAX_SOURCE_BYTES + 1), "limit"),
        ("fake.zip", b"not a zip", "not a readable zip"),
        ("notes.txt", b"hello", "not a folder, .py"),
    ],
)
def test_broken_inputs_become_problems(tmp_path, name, data, why):
    (tmp_path / name).write_bytes(data)
    sub = load(tmp_path / name)
    assert sub.source is None and why in sub.problem


def test_missing_path_and_empty_folder(tmp_path):
    assert "does not exist" in load(tmp_path / "nobody").problem
    (tmp_path / "empty").mkdir()
    assert "no numerics.py" in load(tmp_path / "empty").problem


def test_archive_round_trip_and_tampering(tmp_path):
    out = tmp_path / "s.zip"
    pack_submission(
        files={"numerics.py": MOD.encode()}, chapter="ch02_numerics", module="numerics.py", out=out, version="t"
    )
    sub = load(out)
    assert sub.source == MOD and sub.notes == [] and sub.kind == "archive"
    with zipfile.ZipFile(out) as zf:
        manifest = zf.read("submission.json")
    tampered = tmp_path / "t.zip"
    with zipfile.ZipFile(tampered, "w") as zf:
        zf.writestr("submission.json", manifest)
        zf.writestr("numerics.py", "def f():\n    return 2\n")
    sub = load(tampered)
    assert "return 2" in sub.source and any("sha256" in n for n in sub.notes)
    other = tmp_path / "o.zip"
    pack_submission(
        files={"numerics.py": MOD.encode()}, chapter="ch01_linear_algebra", module="numerics.py", out=other, version="t"
    )
    assert "for chapter 'ch01_linear_algebra'" in load(other).problem


def test_hostile_archives(tmp_path):
    slip = tmp_path / "slip.zip"
    with zipfile.ZipFile(slip, "w") as zf:
        zf.writestr("../evil.py", "x")
        zf.writestr("numerics.py", MOD)
    assert "not allowed" in load(slip).problem
    assert not (tmp_path.parent / "evil.py").exists()
    link = tmp_path / "link.zip"
    with zipfile.ZipFile(link, "w") as zf:
        info = zipfile.ZipInfo("numerics.py")
        info.external_attr = 0o120777 << 16
        zf.writestr(info, "/etc/passwd")
    assert "symbolic link" in load(link).problem
