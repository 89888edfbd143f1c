"""Scale-out engine: the same batch job on Ray Data (optional extra: ``pip install -e ".[ray]"``).

Each chunk of records becomes a Ray dataset; ``map_batches`` runs a callable
class on an actor pool, so every worker loads the model once for the chunk and
reuses it across batches. Results are put back in input order, so the output is
identical to the local engine's. Without ``--ray-address`` a private local Ray
instance is started bound to 127.0.0.1; with it, the job joins that cluster.
"""

from __future__ import annotations

import json
from typing import Any

from stance.errors import InputError


class _Worker:
    """Ray Data actor: loads the classifier once, classifies record batches."""

    def __init__(self, opts: dict[str, Any]) -> None:
        from stance.batch import JobOptions

        self.opts = JobOptions(**opts)
        self.clf = self.opts.load_classifier(threads=self.opts.threads or 1)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        from stance.batch import Record, classify_records

        records = [Record(str(rid), None if text is None else str(text), None if error in (None, "") else str(error))
                   for rid, text, error in zip(batch["id"], batch["text"], batch["error"], strict=True)]
        out: dict[str, list[Any]] = {"idx": [], "kind": [], "payload": []}
        for idx, (rows, error) in zip(batch["idx"], classify_records(self.clf, records, self.opts), strict=True):
            for kind, item in [("row", r) for r in rows] + ([("error", error)] if error else []):
                out["idx"].append(int(idx))
                out["kind"].append(kind)
                out["payload"].append(json.dumps(item, ensure_ascii=False))
        return out


class RayEngine:
    """Callable like the local engine: chunk of records -> (rows, errors)."""

    def __init__(self, opts: Any) -> None:
        try:
            import ray
        except ImportError:
            raise InputError("--engine ray needs Ray: pip install -e '.[ray]'") from None
        if not ray.is_initialized():
            if opts.ray_address:
                ray.init(address=opts.ray_address, log_to_driver=False)
            else:
                ray.init(num_cpus=max(1, opts.ray_workers), include_dashboard=False, log_to_driver=False,
                         _node_ip_address="127.0.0.1", configure_logging=False)
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        ctx.enable_progress_bars = False
        self.ray = ray
        self.opts = opts
        self.opts_dict = {k: v for k, v in opts.__dict__.items() if k not in ("extra",)}
        self.opts_dict["progress"] = False

    def __call__(self, chunk: list[Any]) -> tuple[list[dict], list[dict]]:
        items = [{"idx": i, "id": r.id, "text": r.text, "error": r.error or ""} for i, r in enumerate(chunk)]
        ds: Any = self.ray.data.from_items(items)
        ds = ds.map_batches(_Worker, fn_constructor_kwargs={"opts": self.opts_dict},
                            batch_size=max(1, self.opts.batch_size), concurrency=max(1, self.opts.ray_workers),
                            num_cpus=1)
        taken: list[dict[str, Any]] = ds.take_all()
        # stable sort by input position: rows of one record keep their own order
        ordered = [r for _, r in sorted(enumerate(taken), key=lambda kv: (kv[1]["idx"], kv[0]))]
        rows = [json.loads(r["payload"]) for r in ordered if r["kind"] == "row"]
        errors = [json.loads(r["payload"]) for r in ordered if r["kind"] == "error"]
        return rows, errors
