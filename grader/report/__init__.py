"""Reports: Gradescope results.json, the class grades.csv, and terminal tables."""
from grader.report.results import STUDENT_OUTPUT_CAP, results_json, submission_summary, write_grades_csv, write_json
from grader.report.tables import check_table, gradebook_table

__all__ = ["STUDENT_OUTPUT_CAP", "check_table", "gradebook_table", "results_json", "submission_summary",
           "write_grades_csv", "write_json"]
