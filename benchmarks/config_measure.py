"""Issue 16's configuration measure at git revisions: hand-written validate() methods, their lines and
checks (raise / check_range calls), and fields whose range or choices are declared with registry.setting.

    python benchmarks/config_measure.py ea19504 HEAD     # before / after the structured-config work

Prints JSON, one object per revision. The restated-default count is tests/test_config_defaults.py
(``python tests/test_config_defaults.py``), which also keeps it at 0.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys


def sources(rev: str):
    """(path, text) of every simgen/*.py file at ``rev``."""
    names = subprocess.run(["git", "ls-tree", "-r", "--name-only", rev, "simgen"], capture_output=True, text=True,
                           check=True).stdout.split()
    for name in names:
        if name.endswith(".py"):
            yield name, subprocess.run(["git", "show", f"{rev}:{name}"], capture_output=True, text=True, check=True).stdout


def measure(rev: str) -> dict:
    """Counts for one revision."""
    methods = lines = checks = settings = 0
    for _, text in sources(rev):
        tree = ast.parse(text)
        settings += sum(isinstance(n, ast.Call) and getattr(n.func, "id", "") == "setting" for n in ast.walk(tree))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name == "validate":
                methods += 1
                lines += node.end_lineno - node.lineno + 1
                checks += sum(isinstance(x, ast.Raise) or (isinstance(x, ast.Call) and getattr(x.func, "id", "")
                                                           in ("check_range", "bad")) for x in ast.walk(node))
    return {"validate_methods": methods, "validate_lines": lines, "checks_in_validate": checks,
            "declared_settings": settings}


if __name__ == "__main__":
    print(json.dumps({rev: measure(rev) for rev in sys.argv[1:] or ["HEAD"]}))
