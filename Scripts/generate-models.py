#!/usr/bin/env python3
"""Generates the ClerkBackend model types and endpoint table from Clerk's Backend API OpenAPI spec.

Usage (from the repository root):

    python3 Scripts/generate-models.py [--spec PATH] [--examples-check DIR]

Outputs (deleted and rewritten on every run, deterministic):

* Sources/ClerkBackend/Models/Generated/<Type>.swift             one file per component schema, and per payload
                                                                 schema that only the webhooks spec defines
* Sources/ClerkBackend/Models/Generated/Responses/<Type>.swift   inline schemas of components/responses
* Sources/ClerkBackend/Models/Generated/Operations/<Op>.swift    <Op>Body / <Op>Query / <Op>Response
* Sources/ClerkBackend/Models/Generated/ModelRegistry+Generated.swift
                                                                 `ModelRegistry`: schema name -> Swift type,
                                                                 operationId -> type of its JSON success body
* Sources/ClerkBackend/Client/Endpoints+Generated.swift          the `Endpoint` table
* Sources/ClerkBackend/Resources/Generated/<Resource>API+Generated.swift
                                                                 one typed method per operation not written by
                                                                 hand (names from Scripts/bapi-operations.tsv)
* Tests/ClerkBackendTests/Resources/OperationCalls+Generated.swift
                                                                 a call of every generated method, for the
                                                                 operation-coverage test
* Tests/ClerkBackendTests/Fixtures/operation-fixtures.json      per operation: a request body and a response
                                                                 with every property set, built from the
                                                                 schemas and their examples

With `--examples-check DIR`, also writes DIR/main.swift: a program that decodes every `example` of the
spec that belongs to a generated type (property examples, and objects assembled from the property
examples when every required property has one) with `JSONDecoder`. It is never written into the repo.

Only dependency: PyYAML.
"""

import argparse
import os
import shutil
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from generator.models import Generator  # noqa: E402
from generator.naming import DEFAULT_SPEC, ENDPOINTS_FILE, MODELS_DIR, ROOT, WEBHOOKS_SPEC  # noqa: E402
from generator.resources import RESOURCES_DIR, check_hand_written, generate_resources  # noqa: E402
from generator.spec import Spec  # noqa: E402
from generator.webhooks import fit_to_examples, merge_webhook_schemas  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", default=DEFAULT_SPEC)
    parser.add_argument("--examples-check", metavar="DIR",
                        help="also write DIR/main.swift decoding the spec's examples (outside the repo)")
    args = parser.parse_args()

    with open(args.spec, encoding="utf-8") as f:
        data = yaml.safe_load(f)
    with open(WEBHOOKS_SPEC, encoding="utf-8") as f:
        webhooks = yaml.safe_load(f)
    webhook_schemas = merge_webhook_schemas(data, webhooks)
    webhook_payloads = fit_to_examples(data, webhooks)
    gen = Generator(Spec(data), os.path.basename(args.spec), webhooks_file_name=os.path.basename(WEBHOOKS_SPEC))
    gen.generate_schemas()
    gen.generate_responses()
    op_files = gen.generate_operations()
    registry_schemas, registry_operations = gen.generate_registry()
    endpoints_text, endpoint_count = gen.generate_endpoints()
    resource_files, method_count = generate_resources(gen)

    check_hand_written(gen)

    if os.path.isdir(MODELS_DIR):
        shutil.rmtree(MODELS_DIR)
    if os.path.exists(ENDPOINTS_FILE):
        os.remove(ENDPOINTS_FILE)
    base = os.path.join(ROOT, "Sources", "ClerkBackend")
    for rel, text in sorted(gen.files.items()):
        full = os.path.join(base, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)
    with open(ENDPOINTS_FILE, "w", encoding="utf-8") as f:
        f.write(endpoints_text)
    if os.path.isdir(RESOURCES_DIR):
        shutil.rmtree(RESOURCES_DIR)
    for full, text in sorted(resource_files.items()):
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)

    model_files = sum(1 for r in gen.files if r.count("/") == 2) - 1  # minus the registry
    response_files = sum(1 for r in gen.files if r.startswith("Models/Generated/Responses/"))
    print("model files: %d (%d from the webhooks spec)" % (model_files, len(webhook_schemas)))
    fitted = sorted({name for name in webhook_payloads.values() if name.startswith("Webhook")})
    print("webhook payload copies fitted to the spec's examples: %s" % ", ".join(fitted))
    print("response files: %d" % response_files)
    print("operation files: %d" % op_files)
    print("endpoints: %d" % endpoint_count)
    print("generated resource methods: %d" % method_count)
    print("registry: %d schemas, %d operation responses" % (registry_schemas, registry_operations))

    if args.examples_check:
        os.makedirs(args.examples_check, exist_ok=True)
        with open(os.path.join(args.examples_check, "main.swift"), "w", encoding="utf-8") as f:
            f.write(gen.examples_program())
        print("examples: %d checks (%d assembled objects) written to %s"
              % (len(gen.checks), gen.assembled, os.path.join(args.examples_check, "main.swift")))
        for qualified, missing in gen.unassembled:
            print("  not assembled: %s (required without example: %s)" % (qualified, ", ".join(missing)))


if __name__ == "__main__":
    main()
