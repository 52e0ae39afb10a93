"""The data of bench_search.py: realistic Vietnamese names by their shares of the
population, the set-based SQL that makes 1 000 000 dossiers from one template row and a task
at a department for each in process, and the names the searches ask for."""
from __future__ import annotations

import random

from sqlalchemy import text

UNITS = [f"000.00.{i:02d}.H99" for i in range(20)]
CHUNK = 100_000

# (surname, share in %): the most common Vietnamese surnames, the rest as "other".
SURNAMES = [("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 5.1),
            ("Huỳnh", 4), ("Phan", 4.5), ("Vũ", 3.9), ("Võ", 3), ("Đặng", 2.1), ("Bùi", 2),
            ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1), ("Lý", 0.5), ("Đinh", 0.8),
            ("Trịnh", 0.7), ("Lương", 0.6), ("Mai", 0.6), ("Đào", 0.6), ("Cao", 0.5),
            ("Tạ", 0.3), ("Lâm", 0.4), ("Hà", 0.4), ("Tô", 0.3), ("Quách", 0.2)]
MIDDLE_F = [("Thị", 55), ("Ngọc", 8), ("Thu", 6), ("Thanh", 5), ("Minh", 4), ("Hồng", 4),
            ("Kim", 4), ("Phương", 3), ("Thị Thu", 4), ("Thị Ngọc", 4), ("Bảo", 3)]
MIDDLE_M = [("Văn", 45), ("Hữu", 7), ("Đức", 7), ("Minh", 7), ("Quốc", 6), ("Thanh", 5),
            ("Xuân", 4), ("Công", 4), ("Đình", 5), ("Trọng", 3), ("Quang", 4), ("Văn Minh", 3)]
GIVEN_F = ["Lan", "Hương", "Hoa", "Mai", "Linh", "Trang", "Hà", "Thảo", "Ngọc", "Huyền", "Anh",
           "Nhung", "Hằng", "Yến", "Phương", "Thủy", "Dung", "Nga", "Vân", "Loan", "Hạnh",
           "Oanh", "Liên", "Giang", "Quỳnh", "Châu", "Hiền", "Tâm", "Duyên", "Trâm"]
GIVEN_M = ["An", "Anh", "Bình", "Cường", "Dũng", "Đức", "Hải", "Hùng", "Huy", "Khoa",
           "Long", "Minh", "Nam", "Phong", "Phúc", "Quang", "Sơn", "Tài", "Thắng", "Thành",
           "Tiến", "Toàn", "Trung", "Tuấn", "Việt", "Vinh", "Hiếu", "Kiên", "Lâm", "Khánh"]


def weighted(pairs: list[tuple[str, float]], slots: int = 1000) -> list[str]:
    """The names repeated by their share, `slots` in all: one draw is one index."""
    total = sum(w for _, w in pairs)
    out: list[str] = []
    for name, weight in pairs:
        out += [name] * max(1, round(weight / total * slots))
    return out


SEED = text("""
INSERT INTO dossiers (
    province, code, unit, definition_id, process_key, status, channel, applicant,
    search_name, name_prefixes, search_id, state, client_id, received_at, updated_at,
    finished_at, history_seq, history_head, calendar_id, due_at, timeliness, paused_hours,
    pause_count, apology_count, row_version)
SELECT t.province, u.code || '-' || to_char(r.at, 'YYMMDD') || '-' || lpad(g::text, 7, '0'),
       u.code, t.definition_id, t.process_key,
       CASE WHEN g % 100 < 30 THEN 'in_process' WHEN g % 100 < 31 THEN 'error'
            ELSE 'finished' END,
       CASE WHEN g % 10 < 6 THEN 'online' WHEN g % 10 < 9 THEN 'desk' ELSE 'post' END,
       json_build_object('type', 'citizen',
                         'name', n.surname || ' ' || n.middle || ' ' || n.given,
                         'id_number', r.id_number),
       ' ' || n.surname_f || ' ' || n.middle_f || ' ' || n.given_f,
       (SELECT array_agg(DISTINCT left(w, k)) FROM unnest(string_to_array(
            n.surname_f || ' ' || n.middle_f || ' ' || n.given_f, ' ')) AS w,
            generate_series(1, length(w)) AS k),
       r.id_number, t.state, t.client_id, r.at, r.at,
       CASE WHEN g % 100 >= 31 THEN r.at + interval '5 days' END,
       t.history_seq, t.history_head, t.calendar_id, r.at + interval '15 days',
       CASE WHEN g % 100 >= 31 THEN 'on_time' END, 0, 0, 0, 1
FROM dossiers t, generate_series(CAST(:lo AS bigint), CAST(:hi AS bigint)) AS g,
LATERAL (SELECT abs(hashint8(g * 7 + 1)) AS h1, abs(hashint8(g * 7 + 2)) AS h2,
                abs(hashint8(g * 7 + 3)) AS h3, abs(hashint8(g * 7 + 4)) AS h4,
                abs(hashint8(g * 7 + 5)) AS h5) h,
LATERAL (SELECT timestamptz '2026-03-02 01:00:00+00' - (h.h5 % 63072000) * interval '1 second'
                AS at,
                lpad((h.h4 % 1000000000000)::text, 12, '0') AS id_number) r,
LATERAL (SELECT CASE WHEN h.h1 % 100 < 30 THEN :centre
                     WHEN h.h1 % 100 < 100 THEN 1 + (h.h1 / 100) % 14 END AS i) ui,
LATERAL (SELECT (CAST(:units AS text[]))[ui.i + 1] AS code) u,
LATERAL (SELECT (CAST(:surnames AS text[]))[1 + h.h2 % :ns] AS surname,
                (CAST(:surnames_f AS text[]))[1 + h.h2 % :ns] AS surname_f,
                CASE WHEN h.h3 % 2 = 0
                     THEN (CAST(:middle_f AS text[]))[1 + (h.h3 / 2) % :nmf]
                     ELSE (CAST(:middle_m AS text[]))[1 + (h.h3 / 2) % :nmm] END AS middle,
                CASE WHEN h.h3 % 2 = 0
                     THEN (CAST(:middle_f_f AS text[]))[1 + (h.h3 / 2) % :nmf]
                     ELSE (CAST(:middle_m_f AS text[]))[1 + (h.h3 / 2) % :nmm] END AS middle_f,
                CASE WHEN h.h3 % 2 = 0
                     THEN (CAST(:given_f AS text[]))[1 + (h.h3 / 2000) % :ngf]
                     ELSE (CAST(:given_m AS text[]))[1 + (h.h3 / 2000) % :ngm] END AS given,
                CASE WHEN h.h3 % 2 = 0
                     THEN (CAST(:given_f_f AS text[]))[1 + (h.h3 / 2000) % :ngf]
                     ELSE (CAST(:given_m_f AS text[]))[1 + (h.h3 / 2000) % :ngm] END AS given_f
        ) n
WHERE t.id = :tid
""")
# A task at one of the departments (15-19) for each dossier in process: a third of them
# open (100 000), due within 0-9 days of reception, the others completed.
TASKS = text("""
INSERT INTO tasks (id, dossier_id, province, unit, position, element_id, name, form, status,
                   created_at, completed_at, due_at)
SELECT md5(d.id::text)::uuid::text, d.id, d.province,
       (CAST(:units AS text[]))[16 + d.id % 5], 'specialist', 'appraise', 'Appraise',
       'appraise.json', CASE WHEN d.id % 3 = 0 THEN 'open' ELSE 'completed' END,
       d.received_at, CASE WHEN d.id % 3 <> 0 THEN d.received_at + interval '1 day' END,
       d.received_at + (d.id % 10) * interval '1 day'
FROM dossiers d WHERE d.status = 'in_process' AND NOT EXISTS (
    SELECT 1 FROM tasks x WHERE x.dossier_id = d.id)
""")


def names(n: int, rng: random.Random) -> list[str]:
    """Full names drawn with the fill's weights; every other one without diacritics."""
    from engine.search import fold

    out = []
    surnames, mf, mm = weighted(SURNAMES), weighted(MIDDLE_F), weighted(MIDDLE_M)
    for i in range(n):
        female = rng.random() < 0.5
        name = " ".join((rng.choice(surnames), rng.choice(mf if female else mm),
                         rng.choice(GIVEN_F if female else GIVEN_M)))
        out.append(fold(name) if i % 2 else name)
    return out
