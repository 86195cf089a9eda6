"""Which modules a fresh interpreter has loaded after importing some: how the layering tests
see what an import really pulls in, imports inside functions aside."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap


def loaded_after_import(modules: list[str]) -> set[str]:
    script = textwrap.dedent(
        """
        import importlib, json, sys
        for name in sys.argv[1:]:
            importlib.import_module(name)
        print(json.dumps(sorted(sys.modules)))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *modules],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(json.loads(done.stdout))
