"""Rich tables for the terminal: one submission's checks, and a class gradebook."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from grader.course import Manifest
from grader.scoring import GradedTest, per_function, points


def check_table(graded: list[GradedTest], *, title: str) -> Table:
    table = Table(title=title, expand=True)
    table.add_column("test", overflow="fold", ratio=2)
    table.add_column("result", no_wrap=True)
    table.add_column("why", overflow="fold", ratio=3)
    for g in graded:
        mark = "[green]PASS[/green]" if g.passed else "[red]FAIL[/red]"
        table.add_row(escape(g.name), mark, "" if g.passed else escape(g.output))
    return table


def gradebook_table(manifest: Manifest, rows: list[dict], *, title: str) -> Table:
    names = [f.name for f in manifest.functions]
    table = Table(title=title)
    table.add_column("submission", overflow="fold")
    for n in names:
        table.add_column(n, justify="right")
    table.add_column("total", justify="right")
    table.add_column("status", overflow="fold")
    for row in rows:
        pf = per_function(manifest, row["graded"])
        total = sum(g.score for g in row["graded"])
        cells = [f"{points(pf[n][0])}/{points(pf[n][1])}" for n in names]
        status = row["status"] + (f": {row['problem'][:60]}" if row.get("problem") else "")
        table.add_row(escape(row["id"]), *cells, f"{points(total)}/{points(manifest.max_score)}", escape(status))
    return table
