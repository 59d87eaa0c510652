"""Tally sheets and the archive: what an organ files and signs."""

from __future__ import annotations

import hashlib
import io
import zipfile

from meeting import archive, rounds
from tests.helpers import pdf_text, squash, wait_for_job


def test_the_tally_sheet_has_the_counts_to_sign(db, signable, tmp_path, admin_client):
    first, second = rounds.list_rounds(db, signable)
    context = archive.tally_context(db, signable, first)
    assert context["total"] == {"issued": 9, "returned": 6, "valid": 6, "invalid": 0}
    assert context["quorum_met"] and context["verification"]
    rows = {r["category"]: r for r in context["rows"]}
    assert rows["党员代表"] == {
        "category": "党员代表",
        "issued": 4,
        "returned": 3,
        "valid": 3,
        "invalid": 0,
    }
    void = archive.tally_context(db, signable, second)
    assert not void["quorum_met"] and void["required"] == 5
    # two 党组成员 ballots only: their validity is not split out
    assert {r["category"]: r["valid"] for r in void["rows"]}["党组成员"] is None
    text = squash(
        pdf_text(
            admin_client.get(f"/meetings/{signable.id}/rounds/{first.id}/tally.pdf").data, tmp_path
        )
    )
    for words in (
        "计票结果报告单",
        "计票人（签字）",
        "监票人（签字）",
        "主持人（签字）",
        "本轮测评有效",
    ):
        assert words in text
    assert f"校验码{context['verification']}" in text


def test_the_archive_is_one_zip_with_a_manifest_of_digests(admin_client, db, signable):
    started = admin_client.post(f"/meetings/{signable.id}/results/archive")
    job = started.headers["Location"].split("archive=")[1]
    state = wait_for_job(admin_client, signable.id, job)
    assert state["status"] == "done", state
    download = admin_client.get(f"/meetings/{signable.id}/jobs/{job}/file")
    bundle = zipfile.ZipFile(io.BytesIO(download.data))
    names = bundle.namelist()
    assert "MANIFEST.txt" in names
    assert any(n.startswith("测评结果汇总表") and n.endswith(".pdf") for n in names)
    assert any(n.startswith("测评结果汇总表") and n.endswith(".xlsx") for n in names)
    assert sum(1 for n in names if n.startswith("计票结果报告单")) == 2
    assert sum(1 for n in names if n.startswith("反馈意见书/")) == 3
    manifest = bundle.read("MANIFEST.txt").decode()
    for name in names:
        if name != "MANIFEST.txt":
            assert f"{hashlib.sha256(bundle.read(name)).hexdigest()}  {name}" in manifest
    assert "校验码" in manifest
    records = admin_client.get(f"/meetings/{signable.id}/results").get_data(as_text=True)
    assert hashlib.sha256(download.data).hexdigest() in records  # recorded like every export
