"""Batch jobs: bad input, kill -9 and resume exactly once, formats, ray vs local."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stance.batch import JobOptions, read_output, run_job

SENTS = ["Kenya accused Uganda of shelling its border posts.", "Chile praised Peru for its help.",
         "Norway condemned Denmark over the raid.", "Ghana met Togo in Accra."]


def make_jsonl(path: Path, n: int) -> list[str]:
    ids = []
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            ids.append(f"doc{i}")
            fh.write(json.dumps({"id": f"doc{i}", "text": SENTS[i % 4] + " " + SENTS[(i + 1) % 4]}) + "\n")
    return ids


def accounted(folder: Path) -> list[str]:
    ids = []
    for done in sorted(folder.glob("part-*.done.json")):
        ids += json.loads(done.read_text())["ids"]
    return ids


def test_every_bad_input_kind_gets_an_error_record(tmp_path: Path, tiny_clf) -> None:
    data = tmp_path / "in"
    data.mkdir()
    (data / "a.jsonl").write_bytes(b"\n".join([
        json.dumps({"id": "ok1", "text": SENTS[0]}).encode(),
        b'{"id": "broken", "text": ',
        json.dumps({"id": "notext"}).encode(),
        json.dumps({"id": "empty", "text": "   "}).encode(),
        json.dumps({"id": "huge", "text": "Kenya " + "x" * 1_000_000}).encode(),
        b'{"id": "latin1", "text": "Caf\xe9 Kenya"}',
        json.dumps({"id": "num", "text": 42}).encode(),
        json.dumps({"id": "ok2", "text": SENTS[1]}).encode(),
    ]) + b"\n")
    (data / "blob.bin").write_bytes(b"\x00\x01\x02binary")
    (data / "bad.txt").write_bytes(b"Kenya \xff\xfe accused Uganda.")
    out = tmp_path / "out"
    s = run_job(JobOptions(inputs=[str(data)], output=str(out), chunk_size=3, progress=False), clf=tiny_clf)
    rows, errors = read_output(out)
    reasons = {e["id"]: e["reason"] for e in errors}
    assert s.records == 10 and s.failed == 8 and s.ok == 2
    assert "malformed JSON" in reasons[f"{data / 'a.jsonl'}:2"]
    assert "missing text field" in reasons["notext"] and reasons["empty"] == "empty text"
    assert "over the limit" in reasons["huge"] and "UTF-8" in reasons[f"{data / 'a.jsonl'}:6"]
    assert "not a string" in reasons["num"]
    assert "binary" in reasons[str(data / "blob.bin")] and "UTF-8" in reasons[str(data / "bad.txt")]
    assert sorted(accounted(out)) == sorted([*reasons, "ok1", "ok2"])
    assert {r["doc_id"] for r in rows} <= {"ok1", "ok2"}


def test_cli_exit_code_and_summary(tmp_path: Path, tiny_run: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": SENTS[0]}) + "\n" + "{bad\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "stance.cli", "classify", str(src), "-o", str(tmp_path / "o"), "--model",
           str(tiny_run / "model"), "--no-progress"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 1 and "1 classified, 1 failed" in res.stdout
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert again.returncode == 2 and "--resume" in again.stderr


def test_kill_minus_nine_then_resume_is_exactly_once(tmp_path: Path, tiny_run: Path) -> None:
    src = tmp_path / "in.jsonl"
    ids = make_jsonl(src, 1500)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "stance.cli", "classify", str(src), "-o", str(out), "--model",
           str(tiny_run / "model"), "--chunk-size", "25", "--no-progress", "--threads", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while time.time() < deadline and len(list(out.glob("part-*.done.json"))) < 3 and proc.poll() is None:
        time.sleep(0.02)
    assert proc.poll() is None, "job finished before it could be killed; make the input larger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(list(out.glob("part-*.done.json")))
    assert 3 <= done_before < 60
    res = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert f"{60 - done_before} chunks written, {done_before} already done" in res.stdout
    got = accounted(out)
    assert sorted(got) == sorted(ids) and len(got) == len(set(got))
    assert not list(out.glob("*.tmp"))
    rows, errors = read_output(out)
    assert errors == [] and {r["doc_id"] for r in rows} <= set(ids)


def test_formats_and_document_granularity(tmp_path: Path, tiny_clf) -> None:
    import pandas as pd

    src = tmp_path / "in.csv"
    pd.DataFrame({"id": ["x", "y"], "body": SENTS[:2]}).to_csv(src, index=False)
    for fmt in ("csv", "parquet"):
        out = tmp_path / fmt
        s = run_job(JobOptions(inputs=[str(src)], output=str(out), fmt=fmt, granularity="document",
                               text_field="body", progress=False), clf=tiny_clf)
        assert s.ok == 2
        frame = pd.read_csv(out / "part-000000.csv") if fmt == "csv" else pd.read_parquet(out / "part-000000.parquet")
        assert list(frame["doc_id"].astype(str)) == ["x", "y"] and "n_stances" in frame.columns


def test_classify_dataframe(tiny_clf) -> None:
    import pandas as pd

    import stance

    df = pd.DataFrame({"id": [1, 2, 3], "text": [SENTS[0], None, SENTS[2]]})
    out = stance.classify_dataframe(df, text_col="text", id_col="id", clf=tiny_clf, include_none=True)
    assert set(out["doc_id"]) == {"1", "3"} and out.attrs["errors"] == [{"id": "2", "reason": "missing or empty text"}]
    assert {"label", "p_support", "sentiment", "source_start"} <= set(out.columns)


def test_ray_engine_matches_local(tmp_path: Path, tiny_run: Path, tiny_clf) -> None:
    pytest.importorskip("ray")
    src = tmp_path / "in.jsonl"
    make_jsonl(src, 12)
    with open(src, "a") as fh:
        fh.write("{broken\n")
    local = run_job(JobOptions(inputs=[str(src)], output=str(tmp_path / "local"), chunk_size=5, progress=False,
                               model=str(tiny_run / "model")), clf=tiny_clf)
    ray_s = run_job(JobOptions(inputs=[str(src)], output=str(tmp_path / "ray"), chunk_size=5, progress=False,
                               engine="ray", ray_workers=2, model=str(tiny_run / "model"), batch_size=4))
    assert (local.ok, local.failed, local.rows) == (ray_s.ok, ray_s.failed, ray_s.rows)
    for part in sorted((tmp_path / "local").glob("part-*.jsonl")):
        a = [json.loads(x) for x in part.read_text().splitlines()]
        b = [json.loads(x) for x in (tmp_path / "ray" / part.name).read_text().splitlines()]
        assert len(a) == len(b)
        for ra, rb in zip(a, b, strict=True):
            for k, v in ra.items():
                assert rb[k] == pytest.approx(v, abs=1e-4) if isinstance(v, float) else rb[k] == v


def test_resume_refuses_changed_input(tmp_path: Path, tiny_clf) -> None:
    from stance.errors import InputError

    src = tmp_path / "in.jsonl"
    make_jsonl(src, 6)
    out = tmp_path / "out"
    run_job(JobOptions(inputs=[str(src)], output=str(out), chunk_size=3, progress=False), clf=tiny_clf)
    make_jsonl(src, 7)
    src.write_text(src.read_text().replace('"doc0"', '"docX"'))
    with pytest.raises(InputError, match="inputs changed"):
        run_job(JobOptions(inputs=[str(src)], output=str(out), chunk_size=3, progress=False, resume=True),
                clf=tiny_clf)


def test_resume_refuses_another_model_and_names_what_differs(tmp_path: Path, tiny_run: Path) -> None:
    """A resume pins the model folder's fingerprint, so a changed margin (or an upgrade) is refused."""
    import shutil

    import stance
    from stance.errors import InputError
    from stance.model import model_fingerprint, write_none_margin

    model = tmp_path / "model"
    shutil.copytree(tiny_run / "model", model)
    src = tmp_path / "in.jsonl"
    make_jsonl(src, 6)
    out = tmp_path / "out"
    opts = dict(inputs=[str(src)], output=str(out), chunk_size=3, progress=False)
    clf = stance.load(model)
    assert clf.fingerprint == model_fingerprint(tiny_run / "model")
    run_job(JobOptions(**opts), clf=clf)
    (model / "README.md").write_text("a rewritten model card changes no label\n")
    assert run_job(JobOptions(**opts, resume=True), clf=stance.load(model)).chunks_skipped == 2
    write_none_margin(model, 1.5)
    with pytest.raises(InputError, match=r"model_sha256: was '[0-9a-f]{64}', now '[0-9a-f]{64}'"):
        run_job(JobOptions(**opts, resume=True), clf=stance.load(model))

    manifest = out / "manifest.json"  # a job begun by a version that pinned fewer settings
    old = json.loads(manifest.read_text())
    del old["settings"]["none_margin"]
    manifest.write_text(json.dumps(old))
    with pytest.raises(InputError, match=r"none_margin: was '\(not recorded\)', now None") as err:
        run_job(JobOptions(**opts, resume=True), clf=stance.load(model))
    assert "inputs" not in str(err.value)  # only the settings that differ are named
