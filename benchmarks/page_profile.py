"""Where the live page's browser time goes while registrations stream in: a CPU profile of the
page's renderer (Chrome DevTools protocol) in headless Chromium, logged in on the live page of
a console run as in production (`benchmarks.stack`), while registrations are XADDed at a
steady rate. Prints the share of samples per script and the functions with most self time.

    python -m benchmarks.page_profile [--rate 20] [--count 300] [--cases 5000] [--path /]
"""

from __future__ import annotations

import argparse
import threading
from collections import Counter
from typing import Any

from benchmarks.common import Table
from benchmarks.stack import BROWSER_ARGS, CHROMIUM, console_stack, log_in
from components import ids


def _script(frame: dict[str, Any]) -> str:
    return str(frame["url"]).rsplit("/", 1)[-1].split("?")[0] or "(browser: layout, paint, GC)"


def shares(profile: dict[str, Any]) -> tuple[int, Counter[str], Counter[str]]:
    """(samples, samples per script, samples per function) of a DevTools CPU profile."""
    by_script: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    for node in profile["nodes"]:
        hits, frame = node.get("hitCount", 0), node["callFrame"]
        by_script[_script(frame)] += hits
        name = frame["functionName"] or "(anonymous)"
        by_function[f"{name} ({_script(frame)}:{frame['lineNumber']})"] += hits
    return sum(by_script.values()), by_script, by_function


def run(rate: float, count: int, cases: int, path: str) -> list[Table]:
    """Profile the page at `path` while `count` registrations arrive at `rate` a second."""
    from playwright.sync_api import sync_playwright

    with console_stack(cases) as stack, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            log_in(page, stack.base_url, path)
            page.wait_for_selector(f"#{ids.LIVE_FEED} [data-reg-no]", timeout=60_000)
            page.wait_for_timeout(2000)
            cdp = page.context.new_cdp_session(page)
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": 1000})  # µs
            cdp.send("Profiler.start")
            sender = threading.Thread(target=stack.send_at_rate, args=("PROF", rate, count))
            sender.start()
            while sender.is_alive():
                page.wait_for_timeout(200)
            profile = cdp.send("Profiler.stop")["profile"]
        finally:
            browser.close()
    total, by_script, by_function = shares(profile)
    scripts = Table(
        f"Live page in Chromium: renderer samples by script ({count} registrations at "
        f"{rate:g}/s, {cases:,} cases)",
        ["script", "share of samples"],
    )
    for name, hits in by_script.most_common(10):
        scripts.add(name, f"{hits / total:.1%}")
    scripts.notes.append(f"{total:,} samples of 1 ms; '(idle)' in the functions is time unused")
    functions = Table("Live page in Chromium: functions with most self time", ["function", "share"])
    for name, hits in by_function.most_common(15):
        functions.add(name, f"{hits / total:.1%}")
    return [scripts, functions]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.page_profile")
    parser.add_argument("--rate", type=float, default=20.0, help="registrations a second")
    parser.add_argument("--count", type=int, default=300, help="registrations in all")
    parser.add_argument("--cases", type=int, default=5000, help="seeded cases in the store")
    parser.add_argument("--path", default="/", help="the page to open (the live page)")
    args = parser.parse_args(argv)
    for table in run(args.rate, args.count, args.cases, args.path):
        print(table.render(), flush=True)


if __name__ == "__main__":
    main()
