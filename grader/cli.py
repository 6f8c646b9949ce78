"""The `grade` command. Each subcommand only parses its options, calls one
keyword-only engine function and renders what it returns."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from grader import __version__
from grader.course import CourseError

# Wide enough for the tables when the output is a file or a CI log.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def _fail(exc: Exception) -> None:
    raise click.ClickException(str(exc))


@click.group()
@click.version_option(__version__, prog_name="grade")
def main() -> None:
    """Check, submit, release and autograde the course's exercises."""


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option("--chapter", help="Chapter name, when PATH has no chapter.toml (e.g. ch02_numerics).")
def check(path: Path, chapter: str | None) -> None:
    """Run the visible tests on your working copy (a chapter folder, a .py or a .ipynb)."""
    from grader.check import check as run_check
    from grader.report import check_table

    try:
        res = run_check(path=path, chapter=chapter)
    except CourseError as exc:
        _fail(exc)
    r = res.result
    console.print(check_table(r.graded, title=f"{res.chapter}: visible tests on {path}"))
    passed = sum(g.passed for g in r.graded)
    if r.problem:
        console.print(f"[red]problem:[/red] {r.problem}")
    if r.student_output.strip():
        console.print("[dim]your code printed:[/dim]\n" + r.student_output.strip()[:2000], markup=False)
    console.print(f"{passed} of {len(r.graded)} checks passed ({res.isolation}). "
                  + ("All visible tests pass; the hidden tests check more." if res.ok else ""))
    sys.exit(0 if res.ok else 1)


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option("--chapter", help="Chapter name, when PATH has no chapter.toml.")
@click.option("-o", "--output", "out", type=click.Path(path_type=Path), help="Archive to write.")
def submit(path: Path, chapter: str | None, out: Path | None) -> None:
    """Pack your work into a submission archive (with a manifest and sha256 of each file)."""
    from grader.submit import submit as run_submit

    try:
        res = run_submit(path=path, chapter=chapter, out=out)
    except CourseError as exc:
        _fail(exc)
    for w in res.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")
    for f in res.manifest["files"]:
        console.print(f"  {f['path']}  {f['bytes']} bytes  sha256 {f['sha256']}")
    console.print(f"wrote {res.archive} for {res.manifest['chapter']}")


@main.command()
@click.option("--chapter", help="Only this chapter (default: all).")
@click.option("--check", "check_only", is_flag=True, help="Exit non-zero if the committed template is out of date.")
def release(chapter: str | None, check_only: bool) -> None:
    """Regenerate student_template/ from solutions/ and assignments/."""
    from grader.release import release as run_release

    try:
        results = run_release(chapter=chapter, check=check_only)
    except CourseError as exc:
        _fail(exc)
    stale = False
    for r in results:
        if check_only:
            if r.ok:
                console.print(f"{r.chapter}: template up to date")
            else:
                stale = True
                d = r.drift
                for label, items in (("missing", d.missing), ("extra", d.extra), ("changed", d.changed)):
                    for item in items:
                        console.print(f"{r.chapter}: {label} student_template/{r.chapter}/{item}")
        else:
            what = ", ".join(r.written) if r.written else "nothing changed"
            console.print(f"{r.chapter}: {what}")
    if stale:
        console.print("the template is stale: run `grade release` and commit the result")
        sys.exit(1)


@main.command()
@click.option("--chapter", required=True, help="Chapter to grade (e.g. ch02_numerics).")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", type=click.Path(path_type=Path), default=Path("autograded"),
              show_default=True, help="Folder for results.json files and grades.csv.")
@click.option("--seed", type=int, help="Hidden seed (default: a fresh secret one, recorded in OUT/run.json).")
@click.option("--allow-insecure", is_flag=True, help="Grade even where student code cannot be isolated (see grade doctor).")
def autograde(chapter: str, submissions: tuple[Path, ...], out_dir: Path, seed: int | None,
              allow_insecure: bool) -> None:
    """Grade SUBMISSIONS (folders, .py, .ipynb or archives) with the hidden graders."""
    from grader.autograde import autograde as run_autograde
    from grader.report import gradebook_table
    from grader.scoring import points

    def progress(row, i, n):
        console.print(f"[{i}/{n}] {row.id}: {points(row.score)} points ({row.status}, {row.elapsed_s:.1f} s)")

    try:
        res = run_autograde(chapter=chapter, submissions=list(submissions), out_dir=out_dir, seed=seed,
                            allow_insecure=allow_insecure, on_result=progress)
    except CourseError as exc:
        _fail(exc)
    console.print(gradebook_table(res.manifest, [r.as_dict() for r in res.rows],
                                  title=f"{chapter} gradebook ({res.isolation})"))
    console.print(f"wrote {len(res.rows)} results to {res.out_dir}/<id>/results.json and "
                  f"{res.out_dir}/grades.csv in {res.elapsed_s:.1f} s")




@main.command()
def doctor() -> None:
    """Report the isolation level student code gets on this machine, and why."""
    from grader.sandbox.isolation import probe

    p = probe()
    colour = "green" if p.level == "bubblewrap" else "red"
    console.print(f"isolation: [{colour}]{p.label}[/{colour}]")
    for line in p.details:
        console.print(f"  - {line}")


if __name__ == "__main__":  # pragma: no cover
    main()
