#!/usr/bin/env bash
# The main job: install, then grade the bundled ch02 example class end to end
# (release check -> autograde -> gradebook table; files under out/ch02_numerics/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
GRADE=.venv/bin/grade
OUT=out/ch02_numerics
rm -rf out/class "$OUT"
mkdir -p out/class
# The class: the bundled students, plus the reference solution and an untouched stub.
cp -r examples/ch02_numerics/class/* out/class/
cp -r solutions/ch02_numerics out/class/reference_solution
cp -r student_template/ch02_numerics out/class/untouched_stub
echo "== grade release --check"
$GRADE release --check
echo "== grade autograde --chapter ch02_numerics out/class/* -o $OUT"
$GRADE autograde --chapter ch02_numerics out/class/* -o "$OUT"
echo "== files: $OUT/grades.csv and $OUT/<submission>/results.json"
cat "$OUT/grades.csv"
