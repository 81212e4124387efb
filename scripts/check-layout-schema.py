"""Checks Protocol/layout.schema.json: it is a valid JSON Schema (2020-12), every sample in
Protocol/layouts/ passes it, and every fault of Protocol/layouts/faults.json, applied to the
sample, fails it. LayoutSampleTests checks that the server refuses the same faults, so the
schema and the server agree. Run by scripts/test with jsonschema from PyPI."""
import copy
import json
import pathlib
import sys

import jsonschema

protocol = pathlib.Path(__file__).resolve().parent.parent / "Protocol"
schema = json.loads((protocol / "layout.schema.json").read_text())
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

samples = sorted(p for p in (protocol / "layouts").glob("*.json") if p.name != "faults.json")
if not samples:
    sys.exit("no sample layouts in Protocol/layouts/")
for path in samples:
    errors = list(validator.iter_errors(json.loads(path.read_text())))
    if errors:
        sys.exit(f"{path.name} does not pass the schema: {errors[0].message}")
    print(f"ok   {path.name} passes")


def patched(document, fault):
    """Applies a JSON Patch `remove` or `replace` at a JSON Pointer path."""
    document = copy.deepcopy(document)
    *parents, last = fault["path"].split("/")[1:]
    node = document
    for token in parents:
        node = node[int(token)] if isinstance(node, list) else node[token]
    key = int(last) if isinstance(node, list) else last
    if fault["op"] == "remove":
        del node[key]
    else:
        node[key] = fault["value"]
    return document


sample = json.loads((protocol / "layouts" / "studio-2.json").read_text())
failures = 0
for fault in json.loads((protocol / "layouts" / "faults.json").read_text()):
    errors = list(validator.iter_errors(patched(sample, fault)))
    if errors:
        print(f"ok   {fault['fault']}: refused ({errors[0].message[:80]})")
    else:
        print(f"FAIL {fault['fault']}: the schema accepts it")
        failures += 1
sys.exit(1 if failures else 0)
