"""The README's two commands are the project's entry points: CI (.ci/run) runs the test
command exactly as the README writes it, and both scripts exist."""

import re
import shlex

from grader.course import find_course

ROOT = find_course().root


def _readme_commands() -> dict[str, str]:
    """The 'Two commands' block of the README: {script path: command line}."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Two commands.*?```bash\n(.*?)```", text, re.S).group(1)
    lines = [line.split("#", 1)[0].strip() for line in block.splitlines()]
    return {shlex.split(line)[1]: line for line in lines if line}


def _commands(path) -> list[str]:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def test_the_readme_names_a_demo_and_a_test_script_that_exist():
    commands = _readme_commands()
    assert set(commands) == {"scripts/demo.sh", "scripts/test.sh"}, commands
    for script in commands:
        assert (ROOT / script).is_file(), script


def test_ci_runs_the_readme_test_command_exactly():
    ci = _commands(ROOT / ".ci" / "run")
    assert ci[-1] == _readme_commands()["scripts/test.sh"], ci
    # before it, only the shell options and the move to the repository root
    assert ci[:-1] == ["set -euo pipefail", 'cd "$(dirname "$0")/.."'], ci
