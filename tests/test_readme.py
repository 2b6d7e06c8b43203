"""The README stays true: its diagrams come from the code and its two commands are what CI runs."""

from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def test_the_state_diagrams_in_the_readme_are_generated_from_the_current_code():
    call_command("state_diagrams", check=str(ROOT / "README.md"))


def test_the_first_screen_gives_the_two_commands_and_ci_runs_the_test_command():
    first_screen = "\n".join((ROOT / "README.md").read_text().splitlines()[:20])
    assert "make run" in first_screen
    assert "make test" in first_screen
    assert "\nmake test\n" in (ROOT / ".ci" / "run").read_text()
