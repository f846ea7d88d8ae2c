"""The yardstick of `bench_http.py`: a bare Flask JSON endpoint at the compliance read's
path, answering the body the registry gave for one teacher (its PIN put in), nothing of
ours: no token check, no database, no views. Served by the same gunicorn settings
(`infra/gunicorn.conf.py`), so the ratio of the two rates is what the registry's own
work costs.

    BENCH_BARE_ANSWER=answer.json gunicorn -c infra/gunicorn.conf.py benchmarks.bare_app:app
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from flask import Flask, jsonify

app = Flask(__name__)
ANSWER: dict[str, Any] = json.loads(Path(os.environ["BENCH_BARE_ANSWER"]).read_text())


@app.get("/api/v1/teachers/<pin>/compliance")
def compliance(pin: str):
    return jsonify({**ANSWER, "pin": pin})


@app.get("/api/v1/openapi.json")
def ready():
    """What `bench_http.start_server` waits for."""
    return jsonify({})
