#!/usr/bin/env python3
"""Writes src/api/ecr/ecr_model.json: the botocore ECR model (service-2.json) without its
documentation, which is all Berth needs to validate requests and name errors exactly as the model
does. Rerun when botocore's model changes:

    python3 tools/trim_ecr_model.py [path/to/service-2.json.gz]

The model is Apache-2.0 licensed (botocore); see the "source" field of the output.
"""
import gzip
import json
import os
import sys

KEEP_SHAPE = {"type", "members", "required", "member", "key", "value", "min", "max", "pattern",
              "enum", "exception", "error", "fault", "box"}
KEEP_MEMBER = {"shape"}


def main():
    if len(sys.argv) > 1:
        path = sys.argv[1]
    else:
        import botocore
        path = os.path.join(os.path.dirname(botocore.__file__), "data", "ecr", "2015-09-21",
                            "service-2.json.gz")
    opener = gzip.open if path.endswith(".gz") else open
    model = json.load(opener(path))
    shapes = {}
    for name, shape in model["shapes"].items():
        s = {k: v for k, v in shape.items() if k in KEEP_SHAPE}
        if "members" in s:
            s["members"] = {m: {k: v for k, v in d.items() if k in KEEP_MEMBER}
                            for m, d in s["members"].items()}
        for k in ("member", "key", "value"):
            if k in s:
                s[k] = {"shape": s[k]["shape"]}
        shapes[name] = s
    ops = {name: {k: v for k, v in op.items() if k in ("input", "output", "errors")}
           for name, op in model["operations"].items()}
    out = {"source": f"botocore {model['metadata'].get('uid')} service-2.json, documentation removed",
           "metadata": model["metadata"], "operations": ops, "shapes": shapes}
    dest = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "src", "api", "ecr", "ecr_model.json")
    with open(dest, "w") as f:
        json.dump(out, f, sort_keys=True, separators=(",", ":"))
    print(dest, os.path.getsize(dest), "bytes")


if __name__ == "__main__":
    main()
