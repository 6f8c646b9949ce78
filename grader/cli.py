"""The `grade` command. Each subcommand only parses its options, calls one
keyword-only engine function and renders what it returns."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from grader import __version__
from grader.course import CourseError

# Wide enough for the tables when the output is a file or a CI log.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)


F = TypeVar("F", bound=Callable[..., Any])


def _user_errors(command: F) -> F:
    """A course problem (:class:`CourseError`: a missing folder, an unknown chapter, no
    isolation) is the user's to fix: a one-line error and exit status 1, no traceback."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except CourseError as exc:
            raise click.ClickException(str(exc)) from None

    return run  # type: ignore[return-value]


@click.group()
@click.version_option(__version__, prog_name="grade")
def main() -> None:
    """Check, submit, release and autograde the course's exercises."""


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option("--chapter", help="Chapter name, when PATH has no chapter.toml (e.g. ch02_numerics).")
@_user_errors
def check(path: Path, chapter: str | None) -> None:
    """Run the visible tests on your working copy (a chapter folder, a .py or a .ipynb)."""
    from grader.check import check as run_check
    from grader.report import STUDENT_OUTPUT_CAP, check_table

    res = run_check(path=path, chapter=chapter)
    r = res.result
    console.print(check_table(r.graded, title=f"{res.chapter}: visible tests on {path}"))
    passed = sum(g.passed for g in r.graded)
    if r.problem:
        console.print(f"[red]problem:[/red] {r.problem}")
    if r.student_output.strip():
        console.print("[dim]your code printed:[/dim]\n" + r.student_output.strip()[:STUDENT_OUTPUT_CAP], markup=False)
    console.print(
        f"{passed} of {len(r.graded)} checks passed ({res.isolation}). "
        + ("All visible tests pass; the hidden tests check more." if res.ok else "")
    )
    sys.exit(0 if res.ok else 1)


@main.command()
@click.argument("path", type=click.Path(path_type=Path), default=".")
@click.option("--chapter", help="Chapter name, when PATH has no chapter.toml.")
@click.option("-o", "--output", "out", type=click.Path(path_type=Path), help="Archive to write.")
@_user_errors
def submit(path: Path, chapter: str | None, out: Path | None) -> None:
    """Pack your work into a submission archive (with a manifest and sha256 of each file)."""
    from grader.submit import submit as run_submit

    res = run_submit(path=path, chapter=chapter, out=out)
    for w in res.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")
    for f in res.manifest["files"]:
        console.print(f"  {f['path']}  {f['bytes']} bytes  sha256 {f['sha256']}")
    console.print(f"wrote {res.archive} for {res.manifest['chapter']}")


@main.command()
@click.option("--chapter", help="Only this chapter (default: all).")
@click.option("--check", "check_only", is_flag=True, help="Exit non-zero if the committed template is out of date.")
@_user_errors
def release(chapter: str | None, check_only: bool) -> None:
    """Regenerate student_template/ from solutions/ and assignments/."""
    from grader.release import release as run_release

    results = run_release(chapter=chapter, check=check_only)
    stale = False
    for r in results:
        if check_only:
            if r.ok:
                console.print(f"{r.chapter}: up to date")
            else:
                stale = True
                d = r.drift
                for label, items in (("missing", d.missing), ("extra", d.extra), ("changed", d.changed)):
                    for item in items:
                        console.print(f"{r.chapter}: {label} {r.target}{item}")
        else:
            what = ", ".join(r.written) if r.written else "nothing changed"
            console.print(f"{r.chapter}: {what}")
    if stale:
        console.print("the template is stale: run `grade release` and commit the result")
        sys.exit(1)


@main.command()
@click.option("--chapter", required=True, help="Chapter to grade (e.g. ch02_numerics).")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("autograded"),
    show_default=True,
    help="Folder for results.json files and grades.csv.",
)
@click.option("--seed", type=int, help="Hidden seed (default: a fresh secret one, recorded in OUT/run.json).")
@click.option(
    "--allow-insecure", is_flag=True, help="Grade even where student code cannot be isolated (see grade doctor)."
)
@_user_errors
def autograde(
    chapter: str, submissions: tuple[Path, ...], out_dir: Path, seed: int | None, allow_insecure: bool
) -> None:
    """Grade SUBMISSIONS (folders, .py, .ipynb or archives) with the hidden graders."""
    from grader.autograde import autograde as run_autograde
    from grader.report import gradebook_table
    from grader.scoring import points

    def progress(row, i, n):
        console.print(f"[{i}/{n}] {row.id}: {points(row.score)} points ({row.status}, {row.elapsed_s:.1f} s)")

    res = run_autograde(
        chapter=chapter,
        submissions=list(submissions),
        out_dir=out_dir,
        seed=seed,
        allow_insecure=allow_insecure,
        on_result=progress,
    )
    console.print(
        gradebook_table(res.manifest, [r.as_dict() for r in res.rows], title=f"{chapter} gradebook ({res.isolation})")
    )
    console.print(
        f"wrote {len(res.rows)} results to {res.out_dir}/<id>/results.json and "
        f"{res.out_dir}/grades.csv in {res.elapsed_s:.1f} s"
    )


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
