"""Every chapter's bundled example class, graded by `grade autograde`'s engine, gives
the scores written in examples/<chapter>/expected.toml on the functions each submission
defines (tests/e2e/examples.py); the reference gets full marks and the untouched stub zero."""

import tomllib

import pytest

from grader.course import find_course
from grader.scoring import per_function
from tests.e2e.examples import defined_functions

ROOT = find_course().root
CHAPTERS = sorted(p.parent.name for p in (ROOT / "examples").glob("*/expected.toml"))


# one worker grades each class once for this file and the ch02 tour (tests/e2e/conftest.py)
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("example-classes")]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_example_class(example_class, chapter):
    ch = find_course().chapter(chapter)
    expected = tomllib.loads((ROOT / "examples" / chapter / "expected.toml").read_text())
    class_dir = ROOT / "examples" / chapter / "class"
    assert sorted(p.name for p in class_dir.iterdir()) == sorted(expected), "expected.toml names every submission"
    rows = {r.id: r for r in example_class(chapter).result.rows}
    maximum = ch.manifest.max_score
    assert rows["reference"].score == maximum
    assert rows["untouched_stub"].score == 0
    for name, want in expected.items():
        row = rows[name]
        assert row.status == want.get("status", "ok"), (name, row.status)
        mine = defined_functions(class_dir / name, ch.manifest)
        scores = per_function(ch.manifest, row.graded)
        if want.get("full"):
            assert row.score == sum(scores[f][1] for f in mine), (name, row.score)
        losers = set(want.get("loses", ()))
        assert losers <= mine, f"{name}: expected.toml names functions it does not define: {sorted(losers - mine)}"
        if row.status != "ok":  # a submission that cannot be loaded loses every function, new ones too
            losers = mine
        for f in ch.manifest.functions:
            if f.name not in mine:
                continue
            got, best = scores[f.name]
            if f.name in losers:
                assert got < best, f"{name} kept all points of {f.name}"
                if want.get("speed_only"):
                    lost = {g.kind for g in row.graded if g.function == f.name and g.score < g.max_score}
                    assert lost == {"speed"}, f"{name} lost {sorted(lost)} points of {f.name}, expected speed only"
            elif want.get("full") or losers:
                assert got == best, f"{name} lost points on {f.name}"
