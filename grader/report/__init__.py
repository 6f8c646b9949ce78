"""Reports: Gradescope results.json, the class grades.csv, and terminal tables."""
from grader.report.results import results_json, write_grades_csv
from grader.report.tables import check_table, gradebook_table

__all__ = ["check_table", "gradebook_table", "results_json", "write_grades_csv"]
