#!/usr/bin/env python3
"""Writes deploy/demo/courses.json: the demo course catalog.

The catalog is the body of `POST /api/v1/admin/courses` with the school
named instead of numbered (ids are auth's and differ between databases). The
one-command run loads it into the current semester of the named school the
first time that semester has no courses.

It is generated, deterministically (a fixed seed), so it can be regrown with
other sizes; the committed JSON is what the launcher embeds:

    python3 deploy/demo/generate_courses.py > deploy/demo/courses.json
"""

import json
import random

SCHOOL = "서울대학교"
SEMESTER = "2026-2"

# (code prefix, department, building, courses: (number, name, credits, kind))
# kind: "lecture" (two 75-minute meetings), "long" (one 3-hour meeting),
# "lab" (one 2- or 3-hour lab, 1-2 credits), "daily" (three 50-minute meetings).
DEPARTMENTS = [
    ("CSE", "컴퓨터공학부", "301동", [
        (1010, "컴퓨터프로그래밍", 4, "lecture"), (2010, "자료구조", 3, "lecture"),
        (2020, "논리설계", 3, "lecture"), (2030, "이산수학", 3, "lecture"),
        (2040, "컴퓨터프로그래밍실습", 1, "lab"), (3010, "알고리즘", 3, "lecture"),
        (3020, "운영체제", 3, "lecture"), (3030, "컴퓨터구조", 3, "lecture"),
        (3040, "데이터베이스", 3, "lecture"), (3050, "소프트웨어공학", 3, "lecture"),
        (3060, "컴퓨터네트워크", 3, "lecture"), (3070, "프로그래밍언어", 3, "lecture"),
        (4010, "인공지능", 3, "lecture"), (4020, "기계학습개론", 3, "lecture"),
        (4030, "컴파일러", 3, "lecture"), (4040, "컴퓨터그래픽스", 3, "lecture"),
        (4050, "분산시스템", 3, "long"), (4060, "정보보호개론", 3, "lecture"),
        (4070, "시스템프로그래밍실습", 2, "lab"), (4080, "졸업프로젝트", 3, "long"),
    ]),
    ("ECE", "전기정보공학부", "302동", [
        (2010, "회로이론", 3, "lecture"), (2020, "전자기학", 3, "lecture"),
        (2030, "신호및시스템", 3, "lecture"), (2040, "전기전자회로실험", 2, "lab"),
        (3010, "전자회로", 3, "lecture"), (3020, "디지털신호처리", 3, "lecture"),
        (3030, "통신이론", 3, "lecture"), (3040, "반도체소자", 3, "lecture"),
        (3050, "제어공학", 3, "lecture"), (4010, "전력전자", 3, "long"),
    ]),
    ("MAT", "수리과학부", "27동", [
        (1010, "미적분학1", 3, "daily"), (1020, "미적분학2", 3, "daily"),
        (1030, "미적분학연습", 1, "lab"), (2010, "선형대수학", 3, "lecture"),
        (2020, "해석개론", 3, "lecture"), (2030, "확률론", 3, "lecture"),
        (3010, "현대대수학", 3, "lecture"), (3020, "복소함수론", 3, "lecture"),
        (3030, "위상수학", 3, "lecture"), (3040, "수치해석", 3, "lecture"),
    ]),
    ("PHY", "물리천문학부", "56동", [
        (1010, "물리학1", 3, "lecture"), (1020, "물리학실험1", 1, "lab"),
        (2010, "역학", 3, "lecture"), (2020, "전자기학", 3, "lecture"),
        (3010, "양자역학", 3, "lecture"), (3020, "열및통계물리", 3, "lecture"),
        (3030, "현대물리실험", 2, "lab"), (4010, "천체물리학", 3, "long"),
    ]),
    ("CHE", "화학부", "500동", [
        (1010, "화학1", 3, "lecture"), (1020, "화학실험1", 1, "lab"),
        (2010, "유기화학", 3, "lecture"), (2020, "물리화학", 3, "lecture"),
        (3010, "분석화학", 3, "lecture"), (3020, "유기화학실험", 2, "lab"),
    ]),
    ("BIO", "생명과학부", "504동", [
        (1010, "생물학", 3, "lecture"), (1020, "생물학실험", 1, "lab"),
        (2010, "세포생물학", 3, "lecture"), (2020, "유전학", 3, "lecture"),
        (3010, "분자생물학", 3, "lecture"), (3020, "생화학", 3, "lecture"),
    ]),
    ("ECO", "경제학부", "16동", [
        (1010, "경제원론1", 3, "lecture"), (2010, "미시경제이론", 3, "lecture"),
        (2020, "거시경제이론", 3, "lecture"), (2030, "경제통계학", 3, "lecture"),
        (3010, "계량경제학", 3, "lecture"), (3020, "국제경제학", 3, "lecture"),
        (3030, "화폐금융론", 3, "lecture"), (4010, "행동경제학", 3, "long"),
    ]),
    ("BUS", "경영학과", "58동", [
        (1010, "경영학원론", 3, "lecture"), (2010, "회계원리", 3, "lecture"),
        (2020, "마케팅관리", 3, "lecture"), (2030, "재무관리", 3, "lecture"),
        (3010, "조직행동론", 3, "lecture"), (3020, "경영정보시스템", 3, "lecture"),
        (3030, "투자론", 3, "long"), (4010, "경영전략", 3, "lecture"),
    ]),
    ("KOR", "국어국문학과", "7동", [
        (1010, "대학국어", 2, "lecture"), (1020, "글쓰기의기초", 2, "lecture"),
        (2010, "국어학개론", 3, "lecture"), (2020, "한국현대문학사", 3, "lecture"),
        (3010, "고전시가론", 3, "long"),
    ]),
    ("ENG", "영어영문학과", "3동", [
        (1010, "대학영어1", 2, "lecture"), (1020, "대학영어2", 2, "lecture"),
        (1030, "고급영어회화", 2, "lecture"), (2010, "영미문학개론", 3, "lecture"),
        (3010, "셰익스피어", 3, "long"),
    ]),
    ("HIS", "역사학부", "14동", [
        (1010, "한국사의이해", 3, "lecture"), (1020, "동양사의기초", 3, "lecture"),
        (1030, "서양사개론", 3, "lecture"), (3010, "근대한국사", 3, "long"),
    ]),
    ("PSY", "심리학과", "16동", [
        (1010, "심리학개론", 3, "lecture"), (2010, "인지심리학", 3, "lecture"),
        (2020, "사회심리학", 3, "lecture"), (3010, "심리학실험", 2, "lab"),
    ]),
    ("SOC", "사회학과", "16동", [
        (1010, "사회학의이해", 3, "lecture"), (2010, "사회통계", 3, "lecture"),
        (3010, "도시사회학", 3, "long"),
    ]),
    ("POL", "정치외교학부", "16동", [
        (1010, "정치학개론", 3, "lecture"), (2010, "국제정치학", 3, "lecture"),
        (3010, "비교정치론", 3, "lecture"),
    ]),
    ("ART", "디자인학부", "49동", [
        (1010, "기초디자인", 3, "long"), (2010, "시각디자인실습", 2, "lab"),
        (3010, "디지털미디어디자인", 3, "long"),
    ]),
    ("MUS", "음악대학", "54동", [
        (1010, "음악의이해", 2, "lecture"), (2010, "서양음악사", 3, "lecture"),
        (2020, "합창", 1, "lab"),
    ]),
    ("PED", "체육교육과", "71동", [
        (1010, "테니스", 1, "lab"), (1020, "수영", 1, "lab"), (1030, "요가", 1, "lab"),
        (1040, "축구", 1, "lab"),
    ]),
    ("GEN", "기초교육원", "83동", [
        (1010, "과학과기술글쓰기", 2, "lecture"), (1020, "철학개론", 3, "lecture"),
        (1030, "논리와비판적사고", 3, "lecture"), (1040, "창의와혁신", 2, "long"),
        (1050, "데이터과학입문", 3, "lecture"), (1060, "인간과환경", 3, "lecture"),
    ]),
]

FAMILY = "김이박최정강조윤장임한오서신권황안송류전홍고문양손배백허유남심노하곽성차주우구민진"
GIVEN = [
    "민준", "서연", "지훈", "하은", "도윤", "지우", "서준", "수아", "예준", "지민", "현우", "채원",
    "건우", "다은", "승현", "유진", "태윤", "소율", "정호", "은지", "영수", "미경", "성민", "혜진",
    "재훈", "수빈", "동현", "나연", "우진", "가은",
]

# Lecture slots: (first day, second day, start), 75 minutes each.
LECTURE_STARTS = ["09:00", "09:30", "11:00", "12:30", "14:00", "15:30", "17:00", "18:30"]
PAIRS = [("MON", "WED"), ("TUE", "THU"), ("MON", "WED"), ("TUE", "THU"), ("WED", "FRI")]
WEEKDAYS = ["MON", "TUE", "WED", "THU", "FRI"]


def minutes(hhmm):
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def hhmm(total):
    return f"{total // 60:02d}:{total % 60:02d}"


def room(rng, building, lab=False):
    floor = rng.randint(1, 5)
    number = rng.randint(1, 20)
    suffix = "실습실" if lab else "호"
    return f"{building} {floor}{number:02d}{suffix}"


def sessions_for(rng, kind, building):
    if kind == "lecture":
        first, second = rng.choice(PAIRS)
        start = rng.choice(LECTURE_STARTS)
        end = hhmm(minutes(start) + 75)
        place = room(rng, building)
        return [
            {"day": first, "start": start, "end": end, "room": place},
            {"day": second, "start": start, "end": end, "room": place},
        ]
    if kind == "daily":
        start = rng.choice(["09:00", "10:00", "11:00", "13:00", "14:00", "15:00"])
        end = hhmm(minutes(start) + 50)
        place = room(rng, building)
        return [{"day": day, "start": start, "end": end, "room": place} for day in ("MON", "WED", "FRI")]
    if kind == "long":
        day = rng.choice(WEEKDAYS)
        start = rng.choice(["09:00", "10:00", "13:00", "14:00", "15:00", "18:00"])
        return [{"day": day, "start": start, "end": hhmm(minutes(start) + 170), "room": room(rng, building)}]
    # A lab: one afternoon block, sometimes on Saturday morning.
    if rng.random() < 0.08:
        return [{"day": "SAT", "start": "09:00", "end": "11:50", "room": room(rng, building, lab=True)}]
    day = rng.choice(WEEKDAYS)
    start = rng.choice(["13:00", "14:00", "15:00", "16:00", "19:00"])
    length = rng.choice([110, 170])
    return [{"day": day, "start": start, "end": hhmm(minutes(start) + length), "room": room(rng, building, lab=True)}]


def main():
    rng = random.Random(20260901)
    courses = []
    for prefix, _department, building, offerings in DEPARTMENTS:
        for number, name, credits, kind in offerings:
            # Introductory courses have more sections.
            sections = 4 if number < 2000 else 3 if number < 3000 else 2
            if kind == "long":
                sections = 1
            for section in range(1, sections + 1):
                professor = rng.choice(FAMILY) + rng.choice(GIVEN)
                if rng.random() < 0.03:
                    professor = ""  # not yet assigned
                courses.append({
                    "code": f"{prefix}{number}-{section:02d}",
                    "name": name,
                    "professor": professor,
                    "credits": credits,
                    "sessions": sessions_for(rng, kind, building),
                })
    print(json.dumps({"school": SCHOOL, "semester": SEMESTER, "courses": courses}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
