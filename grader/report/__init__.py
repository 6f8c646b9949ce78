"""Reports: Gradescope results.json, the class grades.csv, run.json, and terminal tables.

Takes graded tests (grader.scoring) and the facts around them; returns results.json
dicts and rich tables, and writes every file the grader writes (atomically, UTF-8).
"""

from grader.report.results import STUDENT_OUTPUT_CAP, results_json, submission_summary, write_grades_csv, write_json
from grader.report.tables import check_table, gradebook_table

__all__ = [
    "STUDENT_OUTPUT_CAP",
    "check_table",
    "gradebook_table",
    "results_json",
    "submission_summary",
    "write_grades_csv",
    "write_json",
]
