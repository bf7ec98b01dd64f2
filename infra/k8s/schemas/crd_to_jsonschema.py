"""Turn a CustomResourceDefinition's OpenAPI v3 schema into a strict JSON Schema file.

The KEDA schemas beside this script were made with it from KEDA's own CRDs (the
kedacore/keda repository, config/crd/bases/keda.sh_scaledobjects.yaml and
keda.sh_triggerauthentications.yaml, tag v2.20.2); after a KEDA upgrade, run it again on
the new release's CRDs:

    python infra/k8s/schemas/crd_to_jsonschema.py keda.sh_scaledobjects.yaml \
        > infra/k8s/schemas/scaledobject_v1alpha1.json

It does what kubeconform's openapi2jsonschema.py does in strict mode: every object that
lists its properties refuses any other (so a misspelt field fails instead of being
pruned silently by the API server), the x-kubernetes-* markers become plain JSON Schema,
and apiVersion and kind must be the CRD's own. The CEL rules (x-kubernetes-validations)
cannot be checked here; tests/test_deployment_files.py checks the one that matters.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

SCHEMA_LISTS = ("anyOf", "allOf", "oneOf")
SCHEMA_VALUES = ("items", "additionalProperties", "not")


def strict(node: dict) -> dict:
    converted: dict = {}
    for key, value in node.items():
        if key.startswith("x-kubernetes-"):
            continue
        if key == "properties":
            converted[key] = {name: strict(child) for name, child in value.items()}
        elif key in SCHEMA_VALUES and isinstance(value, dict):
            converted[key] = strict(value)
        elif key in SCHEMA_LISTS:
            converted[key] = [strict(child) for child in value]
        else:
            converted[key] = value
    if node.get("x-kubernetes-int-or-string") and "anyOf" not in converted:
        converted.pop("type", None)
        converted["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") and "type" in converted:
        converted["type"] = [converted["type"], "null"]
    if ("properties" in converted and "additionalProperties" not in converted
            and not node.get("x-kubernetes-preserve-unknown-fields")):
        converted["additionalProperties"] = False
    return converted


def convert(crd: dict, version: str | None = None) -> dict:
    spec = crd["spec"]
    served = [entry for entry in spec["versions"] if version in (None, entry["name"])]
    entry = served[0]
    schema = strict(entry["schema"]["openAPIV3Schema"])
    schema["properties"]["apiVersion"] = {"const": f"{spec['group']}/{entry['name']}"}
    schema["properties"]["kind"] = {"const": spec["names"]["kind"]}
    schema["required"] = sorted({*schema.get("required", ()), "apiVersion", "kind",
                                 "metadata", "spec"})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": (f"{crd['metadata']['name']} {entry['name']}, converted from its CRD by "
                     "infra/k8s/schemas/crd_to_jsonschema.py"),
        **schema,
    }


def main(argv: list[str]) -> None:
    crd = yaml.safe_load(Path(argv[1]).read_text())
    json.dump(convert(crd, argv[2] if len(argv) > 2 else None), sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)
