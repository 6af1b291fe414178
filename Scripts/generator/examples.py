"""The examples check: a Swift program decoding every example of the spec that belongs to a generated type."""

import json
import os
import re

from .naming import *  # noqa: F401,F403
from .spec import *  # noqa: F401,F403


class ExamplesMixin:
    # ---------------------------------------------------------------------------------------------------------
    # Examples (for the decode check)

    def collect_examples(self, schema, props, qualified):
        assembled = {}
        complete = True
        missing = []
        checks_before = len(self.checks)
        for p in props:
            ps = p.schema if isinstance(p.schema, dict) else {}
            example = None
            found = False
            for source in (ps, self.spec.deref(ps)):
                if "example" in source:
                    example, found = source["example"], True
                    break
            if found:
                self.checks.append(("%s.%s" % (qualified, p.json_name), p.qualified_type, json.dumps(example)))
                assembled[p.json_name] = example
                continue
            # A single-value enum is a constant the spec fixes; use it to complete an assembled object.
            constant = [v for v in self.spec.deref(ps).get("enum") or [] if v is not None]
            if len(constant) == 1:
                assembled[p.json_name] = constant[0]
            elif not p.optional:
                complete = False
                missing.append(p.json_name)
        has_examples = any(k != "object" for k in assembled) and len(self.checks) > checks_before
        if has_examples and not complete:
            self.unassembled.append((qualified, missing))
        if has_examples and complete:
            self.checks.append(("%s (assembled from property examples)" % qualified, qualified,
                                json.dumps(assembled)))
            self.assembled += 1

    def examples_program(self):
        lines = [
            self.header.rstrip(),
            "// Decode check of the spec's examples. Not part of the package.",
            "import Foundation",
            "",
            "nonisolated(unsafe) var passed = 0",
            "nonisolated(unsafe) var failed = 0",
            "func check<T: Decodable>(_ label: String, _ type: T.Type, _ json: String) {",
            "    do {",
            "        _ = try JSONDecoder().decode(T.self, from: Data(json.utf8))",
            "        passed += 1",
            "    } catch {",
            "        failed += 1",
            "        print(\"FAIL \\(label) as \\(T.self): \\(error)\")",
            "    }",
            "}",
            "",
        ]
        for label, type_expr, json_text in self.checks:
            lines.append("check(%s, (%s).self, %s)" % (swift_string(label), type_expr, swift_string(json_text)))
        lines.append("")
        lines.append('print("examples decoded: \\(passed), failed: \\(failed)")')
        lines.append("exit(failed == 0 ? 0 : 1)")
        return "\n".join(lines) + "\n"
