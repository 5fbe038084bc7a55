//! The timetable picture: the weekly grid as the app draws it, as SVG.
//!
//! Columns are Monday to Friday, plus Saturday and Sunday only when a
//! course meets then; rows are the hours from the earliest start to the
//! latest end (9 to 18 for an empty timetable). Each session is a rounded
//! block in its course's colour with the course name and room, clipped to
//! the block. Text is XML-escaped and set in a font stack that covers
//! Hangul on every platform, so Korean stays legible wherever it is opened.
//!
//! Rendering lives here, in the service, and nowhere else: the gateway only
//! passes the document on.

use std::fmt::{self, Write};

use everytime_proto::timetable::v1 as pb;

use crate::domain::{self, Day};

/// The font stack: Apple, Google/Linux and Windows Hangul faces first.
pub const FONT_FAMILY: &str = "'Apple SD Gothic Neo', 'Noto Sans KR', 'Malgun Gothic', sans-serif";

const DAY_WIDTH: i32 = 120;
const TIME_WIDTH: i32 = 40;
const HEADER_HEIGHT: i32 = 32;
const HOUR_HEIGHT: i32 = 60;
const NAME_SIZE: i32 = 12;
const ROOM_SIZE: i32 = 11;
const LINE_GAP: i32 = 3;
const PADDING: i32 = 5;

/// Course colours, one per course in turn, soft enough for dark text.
const PALETTE: [&str; 12] = [
    "#f8b4b4", "#fbd38d", "#faf089", "#c6f6a5", "#9ae6b4", "#81e6d9", "#90cdf4", "#a3bffa",
    "#d6bcfa", "#fbb6ce", "#e2c9a6", "#cbd5e0",
];

/// Escapes text for XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters at all.
            c if c.is_control() => escaped.push(' '),
            c => escaped.push(c),
        }
    }
    escaped
}

/// The width of `text` in ems, roughly: Hangul, CJK and full-width forms
/// are one em, everything else a little over half.
fn width_em(text: &str) -> f32 {
    text.chars()
        .map(|c| {
            let wide = matches!(c as u32,
                0x1100..=0x11FF | 0x3000..=0x303F | 0x3130..=0x318F | 0x4E00..=0x9FFF
                | 0xAC00..=0xD7A3 | 0xFF00..=0xFFEF);
            if wide { 1.0 } else { 0.6 }
        })
        .sum()
}

/// Breaks `text` into at most `max_lines` lines of at most `width` ems; the
/// last line ends in "…" when text is left over.
fn wrap(text: &str, width: f32, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        let mut candidate = current.clone();
        candidate.push(c);
        if width_em(&candidate) > width && !current.is_empty() {
            lines.push(std::mem::take(&mut current));
            current.push(c);
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            while !last.is_empty() && width_em(last) + 1.0 > width {
                last.pop();
            }
            last.push('…');
        }
    }
    lines
}

/// One session to draw.
struct Block<'a> {
    course: &'a pb::Course,
    colour: &'static str,
    day: Day,
    start: i32,
    end: i32,
    room: &'a str,
}

/// The SVG document of a timetable.
pub fn svg(timetable: &pb::Timetable) -> String {
    let mut blocks = Vec::new();
    for (index, course) in timetable.courses.iter().enumerate() {
        let colour = PALETTE[index % PALETTE.len()];
        for session in &course.sessions {
            let (Some(day), Ok(start), Ok(end)) = (
                Day::from_number(session.day),
                domain::parse_time("start", &session.start),
                domain::parse_time("end", &session.end),
            ) else {
                continue;
            };
            blocks.push(Block {
                course,
                colour,
                day,
                start,
                end,
                room: &session.room,
            });
        }
    }
    let mut out = String::with_capacity(4096 + blocks.len() * 512);
    // Writing into a String cannot fail.
    let _ = draw(&mut out, timetable, &blocks);
    out
}

fn draw(out: &mut String, timetable: &pb::Timetable, blocks: &[Block<'_>]) -> fmt::Result {
    let days: Vec<Day> = Day::ALL
        .into_iter()
        .filter(|day| !day.is_weekend() || blocks.iter().any(|block| block.day == *day))
        .collect();
    let first_hour = blocks
        .iter()
        .map(|block| block.start / 60)
        .min()
        .unwrap_or(9);
    let last_hour = blocks
        .iter()
        .map(|block| (block.end + 59) / 60)
        .max()
        .unwrap_or(18);
    let hours = (last_hour - first_hour).max(1);
    let columns = i32::try_from(days.len()).unwrap_or(7);
    let width = TIME_WIDTH + columns * DAY_WIDTH;
    let height = HEADER_HEIGHT + hours * HOUR_HEIGHT;
    let title = escape(&format!("{} ({})", timetable.name, timetable.semester));

    writeln!(
        out,
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="{font}" role="img" aria-label="{title}">
<title>{title}</title>
<rect class="background" x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>"##,
        font = FONT_FAMILY,
    )?;

    // The grid: day names over the columns, hours down the side.
    writeln!(
        out,
        r##"<g class="grid" stroke="#e2e8f0" stroke-width="1">"##
    )?;
    for hour in 0..=hours {
        let y = HEADER_HEIGHT + hour * HOUR_HEIGHT;
        writeln!(out, r#"<line x1="0" y1="{y}" x2="{width}" y2="{y}"/>"#)?;
    }
    for column in 0..=columns {
        let x = TIME_WIDTH + column * DAY_WIDTH;
        writeln!(out, r#"<line x1="{x}" y1="0" x2="{x}" y2="{height}"/>"#)?;
    }
    writeln!(out, "</g>")?;
    writeln!(
        out,
        r##"<g class="labels" fill="#4a5568" font-size="12" text-anchor="middle">"##
    )?;
    for (column, day) in (0..).zip(&days) {
        let x = TIME_WIDTH + column * DAY_WIDTH + DAY_WIDTH / 2;
        writeln!(
            out,
            r#"<text class="day" data-day="{code}" x="{x}" y="{y}">{name}</text>"#,
            code = day.code(),
            y = HEADER_HEIGHT / 2 + 4,
            name = day.korean(),
        )?;
    }
    for hour in 0..hours {
        writeln!(
            out,
            r#"<text class="hour" x="{x}" y="{y}">{label}</text>"#,
            x = TIME_WIDTH / 2,
            y = HEADER_HEIGHT + hour * HOUR_HEIGHT + 14,
            label = first_hour + hour,
        )?;
    }
    writeln!(out, "</g>")?;

    // The courses.
    writeln!(out, r#"<g class="courses">"#)?;
    for (index, block) in blocks.iter().enumerate() {
        let Some(column) = days.iter().position(|day| *day == block.day) else {
            continue;
        };
        let x = TIME_WIDTH + i32::try_from(column).unwrap_or(0) * DAY_WIDTH + 1;
        let y = HEADER_HEIGHT + (block.start - first_hour * 60) * HOUR_HEIGHT / 60;
        let w = DAY_WIDTH - 2;
        let h = ((block.end - block.start) * HOUR_HEIGHT / 60).max(1);
        writeln!(
            out,
            r#"<g class="course" data-course-id="{id}" data-day="{day}" data-start="{start}" data-end="{end}">
<clipPath id="clip-{index}"><rect x="{x}" y="{y}" width="{w}" height="{h}"/></clipPath>
<rect class="session" x="{x}" y="{y}" width="{w}" height="{h}" rx="4" ry="4" fill="{colour}"/>"#,
            id = block.course.id,
            day = block.day.code(),
            start = domain::format_time(block.start),
            end = domain::format_time(block.end),
            colour = block.colour,
        )?;
        let text_width = (w - 2 * PADDING) as f32;
        let name_lines_room = (h - 2 * PADDING) / (NAME_SIZE + LINE_GAP);
        let show_room = !block.room.is_empty() && name_lines_room >= 2;
        let name_lines =
            usize::try_from((name_lines_room - i32::from(show_room)).max(1)).unwrap_or(1);
        let lines = wrap(
            &block.course.name,
            text_width / NAME_SIZE as f32,
            name_lines,
        );
        write!(
            out,
            r##"<text clip-path="url(#clip-{index})" x="{tx}" y="{ty}" fill="#1a202c">"##,
            tx = x + PADDING,
            ty = y + PADDING,
        )?;
        for (line_index, line) in lines.iter().enumerate() {
            let dy = if line_index == 0 {
                NAME_SIZE
            } else {
                NAME_SIZE + LINE_GAP
            };
            write!(
                out,
                r#"<tspan class="name" x="{tx}" dy="{dy}" font-size="{NAME_SIZE}" font-weight="bold">{text}</tspan>"#,
                tx = x + PADDING,
                text = escape(line),
            )?;
        }
        if show_room {
            let room = wrap(block.room, text_width / ROOM_SIZE as f32, 1);
            write!(
                out,
                r#"<tspan class="room" x="{tx}" dy="{dy}" font-size="{ROOM_SIZE}">{text}</tspan>"#,
                tx = x + PADDING,
                dy = ROOM_SIZE + LINE_GAP,
                text = escape(room.first().map_or("", String::as_str)),
            )?;
        }
        writeln!(out, "</text>\n</g>")?;
    }
    writeln!(out, "</g>\n</svg>")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn course(id: i64, name: &str, sessions: &[(pb::Day, &str, &str, &str)]) -> pb::Course {
        pb::Course {
            id,
            semester: "2026-2".into(),
            code: format!("C{id}"),
            name: name.into(),
            professor: "김교수".into(),
            credits: 3,
            sessions: sessions
                .iter()
                .map(|(day, start, end, room)| pb::ClassSession {
                    day: (*day).into(),
                    start: (*start).into(),
                    end: (*end).into(),
                    room: (*room).into(),
                })
                .collect(),
        }
    }

    fn timetable(courses: Vec<pb::Course>) -> pb::Timetable {
        pb::Timetable {
            id: 1,
            semester: "2026-2".into(),
            name: "시간표 1".into(),
            courses,
            ..Default::default()
        }
    }

    #[test]
    fn escape_covers_the_xml_specials() {
        assert_eq!(
            escape(r#"<a & 'b' "c">"#),
            "&lt;a &amp; &apos;b&apos; &quot;c&quot;&gt;"
        );
        assert_eq!(escape("자료\u{0}구조"), "자료 구조");
    }

    #[test]
    fn wrap_breaks_hangul_by_width_and_marks_what_is_cut() {
        assert_eq!(wrap("자료구조", 10.0, 3), ["자료구조"]);
        assert_eq!(
            wrap("자료구조및알고리즘", 4.0, 3),
            ["자료구조", "및알고리", "즘"]
        );
        let cut = wrap("자료구조및알고리즘설계", 4.0, 2);
        assert_eq!(cut.len(), 2);
        assert!(cut[1].ends_with('…'));
    }

    #[test]
    fn the_grid_spans_the_hours_in_use_and_only_the_weekend_days_in_use() {
        let svg = svg(&timetable(vec![course(
            1,
            "미적분학",
            &[
                (pb::Day::Tuesday, "10:30", "11:45", "1호관"),
                (pb::Day::Saturday, "13:00", "15:50", "2호관"),
            ],
        )]));
        assert!(svg.contains(r#"data-day="SAT""#));
        assert!(!svg.contains(r#"data-day="SUN""#));
        assert!(svg.contains(r#"<text class="hour" x="20" y="46">10</text>"#));
        assert!(svg.contains(">15</text>"));
        assert!(!svg.contains(">16</text>"));
        assert_eq!(svg.matches(r#"<rect class="session""#).count(), 2);
    }

    #[test]
    fn an_empty_timetable_is_a_nine_to_six_weekday_grid() {
        let svg = svg(&timetable(Vec::new()));
        assert_eq!(svg.matches(r#"class="day""#).count(), 5);
        assert_eq!(svg.matches(r#"class="hour""#).count(), 9);
        assert!(!svg.contains(r#"class="course""#));
    }

    #[test]
    fn course_text_is_escaped() {
        let svg = svg(&timetable(vec![course(
            1,
            "R&D <입문>",
            &[(pb::Day::Monday, "09:00", "12:00", "\"A\" 동")],
        )]));
        assert!(svg.contains("R&amp;D &lt;입문&gt;"));
        assert!(svg.contains("&quot;A&quot; 동"));
        assert!(!svg.contains("<입문>"));
    }
}
