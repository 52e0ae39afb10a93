"""Rendering form 01, the receipt and appointment slip (prints figures; not a test).

Run: .venv/bin/python bench/bench_receipt.py [--runs 300]

Renders the same slip `--runs` times after one warm-up render (which also reads the TTF
files into reportlab's registry, once per process) and prints p50 / p95 / max in ms, the
first render's time and the file's size. A second series varies the dossier code and the
applicant on every render (nothing can be reused between two slips but the fonts).
"""
from __future__ import annotations

import argparse
import time

from engine.documents import ReceiptFields, render_receipt

BASE = ReceiptFields(
    dossier_code="000.00.06.H56-260302-0001", unit_code="000.00.06.H56",
    unit_name="Trung tâm Phục vụ hành chính công xã Yên Bình",
    agency="Ủy ban nhân dân xã Yên Bình", applicant_name="Nguyễn Thị Hồng Nhung",
    applicant_address="Số 12 Trần Phú, xã Yên Bình", applicant_phone="0912345678",
    procedure="Đăng ký thành lập hộ kinh doanh",
    received_at="2026-03-02T02:30:00+00:00", issued_at="2026-03-02T02:30:00+00:00",
    channel="desk", received_by="Trần Văn Đức",
    documents=["Giấy đề nghị đăng ký hộ kinh doanh (bản chính)",
               "Bản sao giấy tờ pháp lý của cá nhân các thành viên hộ gia đình",
               "Bản sao biên bản họp thành viên hộ gia đình"],
    time_limit="3 ngày làm việc", appointment="2026-03-05T02:30:00+00:00")


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def series(label: str, runs: int, fields_for: object) -> None:
    make = fields_for  # type: ignore[assignment]
    times, size = [], 0
    for i in range(runs):
        fields = make(i)  # type: ignore[operator]
        t0 = time.perf_counter()
        pdf = render_receipt(fields)
        times.append((time.perf_counter() - t0) * 1000)
        size = len(pdf)
    print(f"{label:<34} p50 {pct(times, 50):6.2f} ms  p95 {pct(times, 95):6.2f} ms  "
          f"max {max(times):6.2f} ms  ({runs} renders, {size} bytes)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    t0 = time.perf_counter()
    render_receipt(BASE)
    print(f"first render (reads the fonts)     {(time.perf_counter() - t0) * 1000:6.2f} ms")
    series("same slip", args.runs, lambda i: BASE)
    series("a different dossier each time", args.runs, lambda i: ReceiptFields(**{
        **BASE.to_dict(), "dossier_code": f"000.00.06.H56-260302-{i:04d}",
        "applicant_name": ("Nguyễn Thị Hồng Nhung", "Trần Văn Đức", "Lê Thị Ánh Tuyết",
                           "Phạm Quốc Hưng")[i % 4]}))


if __name__ == "__main__":
    main()
