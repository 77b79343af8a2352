"""Mutation testing of the rules (rules/) against the unit tests (tests/unit), with mutmut 3.

    python -m tests.mutation [--max-children N] [--reuse]

mutmut (configured in pyproject.toml's [tool.mutmut]) copies the project to mutants/, makes each
small change ("mutant") to rules/ in turn and runs the unit tests that reach the changed function;
a mutant the tests do not notice "survives". This prints the score (the share of mutants killed)
per module and in total, then every survivor with its line and change. A survivor listed in
tests/mutation_equivalents.toml is an equivalent mutant (it cannot change behaviour; the file
says why) and is shown as such. Exits 1 if any survivor is not listed there, or if a module or
the total scores under 95 %. docs/TESTING.md says when to run it and how long it takes.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK_DIR = ROOT / "mutants"
EQUIVALENTS = ROOT / "tests" / "mutation_equivalents.toml"
MINIMUM_SCORE = 95.0
# What mutmut records for a mutant; a timeout counts as killed (the tests noticed: they hung).
DETECTED = {"killed", "timeout", "caught by type check", "segfault"}
HUNK = re.compile(r"^@@ -(\d+)")


@dataclass(frozen=True)
class Mutant:
    """One mutant of a function of rules/ and what the tests made of it."""

    name: str  # mutmut's key, e.g. rules.contract.xǁ_Readerǁraw__mutmut_12
    status: str

    @property
    def module(self) -> str:
        return self.name.split(".")[1]

    @property
    def function(self) -> str:
        """Function or Class.method, as written in the source."""
        generated = self.name.split(".", 2)[2].rsplit("__mutmut_", 1)[0]
        return generated.removeprefix("x").removeprefix("_").replace("ǁ", ".").strip(".")


@dataclass(frozen=True)
class Change:
    """Where a mutant changes its function: the source line and the old and new text."""

    line: int
    before: str
    after: str


def run_mutmut(max_children: int, reuse: bool) -> float:
    """Run mutmut over rules/ in a fresh mutants/ copy (or the last one); return the seconds."""
    if not reuse and WORK_DIR.exists():
        shutil.rmtree(WORK_DIR)
    mutmut = Path(sys.executable).parent / "mutmut"
    command = [str(mutmut if mutmut.exists() else "mutmut"), "run", "--max-children"]
    WORK_DIR.mkdir(exist_ok=True)
    log = WORK_DIR / "run.log"
    print(f"mutmut run with {max_children} workers (progress in {log.relative_to(ROOT)}) ...")
    started = time.monotonic()
    with log.open("w") as out:
        code = subprocess.call(
            [*command, str(max_children)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
    if code != 0:
        sys.exit(f"mutmut failed (exit {code}); the end of its log:\n{log.read_text()[-3000:]}")
    return time.monotonic() - started


def read_results() -> list[Mutant]:
    """Every mutant's outcome, as mutmut stored it in mutants/."""
    os.chdir(ROOT)  # mutmut reads its configuration from the working directory
    from mutmut.mutation.data import SourceFileMutationData
    from mutmut.stats import status_by_exit_code
    from mutmut.utils.file_utils import walk_mutatable_files

    mutants = []
    for path in walk_mutatable_files():
        data = SourceFileMutationData(path=path)
        data.load()
        for name, code in data.exit_code_by_key.items():
            mutants.append(Mutant(name, status_by_exit_code[code]))
    return mutants


def change_of(mutant: Mutant) -> Change:
    """The source line a mutant changes and the text before and after."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    diff = get_diff_for_mutant(mutant.name, path=Path("rules") / f"{mutant.module}.py")
    offset, removed, added = 0, [], []
    counter = 0
    for line in diff.splitlines()[2:]:
        if match := HUNK.match(line):
            counter = int(match.group(1))
        elif line.startswith("-"):
            offset = offset or counter
            removed.append(line[1:].strip())
            counter += 1
        elif line.startswith("+"):
            offset = offset or counter
            added.append(line[1:].strip())
        else:
            counter += 1
    return Change(_def_line(mutant) + offset - 1, " / ".join(removed), " / ".join(added))


def _def_line(mutant: Mutant) -> int:
    """The line of the `def` of the mutant's function in rules/<module>.py."""
    tree = ast.parse((ROOT / "rules" / f"{mutant.module}.py").read_text())
    *classes, function = mutant.function.split(".")
    scope: list[ast.stmt] = tree.body
    for class_name in classes:
        scope = next(n for n in scope if isinstance(n, ast.ClassDef) and n.name == class_name).body
    return next(n for n in scope if isinstance(n, ast.FunctionDef) and n.name == function).lineno


def load_equivalents() -> dict[tuple[str, str, str, str], dict[str, object]]:
    """The reviewed equivalent mutants, keyed by module, function and the change's text."""
    entries = tomllib.loads(EQUIVALENTS.read_text())["equivalent"]
    return {(e["module"], e["function"], e["before"], e["after"]): e for e in entries}


def score(mutants: list[Mutant]) -> float:
    return 100.0 * sum(m.status in DETECTED for m in mutants) / len(mutants)


def report(mutants: list[Mutant], seconds: float | None) -> bool:
    """Print the scores and the survivors; True if the rules pass the check."""
    by_module: dict[str, list[Mutant]] = {}
    for mutant in mutants:
        by_module.setdefault(mutant.module, []).append(mutant)
    ok = True
    print(f"\n{'module':<12} {'mutants':>8} {'killed':>7} {'other':>6} {'score':>7}")
    for module, group in sorted(by_module.items()):
        killed = sum(m.status in DETECTED for m in group)
        ok &= score(group) >= MINIMUM_SCORE
        print(
            f"{module:<12} {len(group):>8} {killed:>7} {len(group) - killed:>6}"
            f" {score(group):>6.1f}%"
        )
    killed = sum(m.status in DETECTED for m in mutants)
    ok &= score(mutants) >= MINIMUM_SCORE
    print(
        f"{'total':<12} {len(mutants):>8} {killed:>7} {len(mutants) - killed:>6}"
        f" {score(mutants):>6.1f}%"
    )
    if seconds is not None:
        print(f"\nmutmut ran for {seconds / 60:.1f} min")
    print("\n" + ", ".join(f"{n} {s}" for s, n in Counter(m.status for m in mutants).most_common()))

    equivalents = load_equivalents()
    seen = set()
    unexplained = 0
    survivors = [m for m in mutants if m.status not in DETECTED]
    if survivors:
        print("\nSurvivors (module:line function, status: before -> after):")
    for mutant in survivors:
        change = change_of(mutant)
        key = (mutant.module, mutant.function, change.before, change.after)
        entry = equivalents.get(key)
        seen.add(key)
        verdict = f"equivalent: {entry['why']}" if entry else "NOT EXPLAINED: add a test"
        unexplained += entry is None
        print(
            f"  {mutant.module}.py:{change.line} {mutant.function}, {mutant.status}:"
            f" {change.before!r} -> {change.after!r}\n      {verdict}"
        )
    for key in equivalents.keys() - seen:
        print(f"  note: listed as equivalent but no longer surviving: {key}")
    if unexplained:
        print(f"\n{unexplained} surviving mutant(s) neither killed nor listed as equivalent.")
    if not ok:
        print(f"\nA score is under {MINIMUM_SCORE:.0f} %.")
    return ok and not unexplained


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--max-children", type=int, default=2, help="parallel mutmut workers (default 2)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep mutants/ from the last run: mutmut re-tests only what changed since",
    )
    parser.add_argument(
        "--report-only", action="store_true", help="do not run mutmut, report on mutants/"
    )
    args = parser.parse_args(argv)
    seconds = None
    if not args.report_only:
        seconds = run_mutmut(args.max_children, args.reuse)
    elif not WORK_DIR.exists():
        sys.exit("no mutants/ folder: run without --report-only first")
    return 0 if report(read_results(), seconds) else 1


if __name__ == "__main__":
    sys.exit(main())
