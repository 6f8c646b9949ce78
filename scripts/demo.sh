#!/usr/bin/env bash
# The main job: install, then grade the bundled example class of every chapter end to
# end (release check -> autograde -> gradebook table; files under out/<chapter>/).
# Each chapter's class is examples/<chapter>/class/* plus the reference solution and an
# untouched stub. Usage: bash scripts/demo.sh [CHAPTER...]   (default: every chapter)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
GRADE=.venv/bin/grade
chapters=("$@")
if [ ${#chapters[@]} -eq 0 ]; then
  for d in assignments/*/; do [ -f "$d/manifest.toml" ] && chapters+=("$(basename "$d")"); done
fi
echo "== grade release --check"
$GRADE release --check
rm -rf out
for ch in "${chapters[@]}"; do
  class="out/class/$ch"
  mkdir -p "$class"
  if [ -d "examples/$ch/class" ]; then cp -r "examples/$ch/class/"* "$class/"; fi
  cp -r "solutions/$ch" "$class/reference_solution"
  cp -r "student_template/$ch" "$class/untouched_stub"
  echo
  echo "== grade autograde --chapter $ch $class/* -o out/$ch"
  $GRADE autograde --chapter "$ch" "$class"/* -o "out/$ch"
done
echo
echo "== files: out/<chapter>/grades.csv and out/<chapter>/<submission>/results.json"
for ch in "${chapters[@]}"; do echo "-- out/$ch/grades.csv"; cat "out/$ch/grades.csv"; done
