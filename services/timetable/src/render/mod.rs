//! The timetable picture: the weekly grid as the app draws it, as SVG.
//!
//! Columns are Monday to Friday, plus Saturday and Sunday only when a
//! course meets then; rows are the hours from the earliest start to the
//! latest end (9 to 18 for an empty timetable). Each session is a rounded
//! block in its course's colour with the course name and room, clipped to
//! the block: on two or more lines when the block is tall enough, else on
//! one. Text is XML-escaped, with the characters XML cannot carry taken
//! out, and set in a font stack that covers Hangul on every platform, so
//! Korean stays legible wherever it is opened.
//!
//! A course's colour comes from a hash of its section code, so it keeps
//! its colour from one picture to the next ([`colours`]); courses of one
//! timetable that would share a colour are told apart in the order they
//! were added, so adding a course never recolours one already there.
//!
//! Custom entries (직접 추가) are drawn the same way with their place for a
//! room, all in one neutral colour ([`ENTRY_COLOUR`]) that no course has.
//!
//! Rendering lives here, in the service, and nowhere else: the gateway only
//! passes the document on.
//!
//! Colours are `colour`'s, the escaping and fitting of text `text`'s.

mod colour;
mod text;

use std::fmt::{self, Write};

use everytime_proto::timetable::v1 as pb;

pub use self::colour::{PALETTE, colours, preferred_colour};
pub use self::text::escape;
use self::text::{truncate, width_em, wrap};
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
/// The smallest text on a short block.
const MIN_SIZE: i32 = 8;

/// The colour of every custom entry (직접 추가): a neutral grey-blue that no
/// course colour is, so one's own blocks read apart from classes.
pub const ENTRY_COLOUR: &str = "#d5dde8";

/// One session to draw: a course's or a custom entry's.
struct Block<'a> {
    /// `course` or `entry`: the group's class, and its id attribute's name.
    kind: &'static str,
    id: i64,
    name: &'a str,
    colour: &'static str,
    day: Day,
    start: i32,
    end: i32,
    room: &'a str,
}

/// The SVG document of a timetable; `added` holds its course ids in the
/// order they were added, which settles who keeps a contested colour.
pub fn svg(timetable: &pb::Timetable, added: &[i64]) -> String {
    let colours = colours(&timetable.courses, added);
    let mut blocks = Vec::new();
    for course in &timetable.courses {
        let colour = colours.get(&course.id).copied().unwrap_or(PALETTE[0]);
        for session in &course.sessions {
            let (Some(day), Ok(start), Ok(end)) = (
                Day::from_number(session.day),
                domain::parse_time("start", &session.start),
                domain::parse_time("end", &session.end),
            ) else {
                continue;
            };
            blocks.push(Block {
                kind: "course",
                id: course.id,
                name: &course.name,
                colour,
                day,
                start,
                end,
                room: &session.room,
            });
        }
    }
    for entry in &timetable.custom_entries {
        for session in &entry.sessions {
            let (Some(day), Ok(start), Ok(end)) = (
                Day::from_number(session.day),
                domain::parse_time("start", &session.start),
                domain::parse_time("end", &session.end),
            ) else {
                continue;
            };
            blocks.push(Block {
                kind: "entry",
                id: entry.id,
                name: &entry.name,
                colour: ENTRY_COLOUR,
                day,
                start,
                end,
                room: &entry.place,
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
            r#"<g class="{kind}" data-{kind}-id="{id}" data-day="{day}" data-start="{start}" data-end="{end}">
<clipPath id="clip-{index}"><rect x="{x}" y="{y}" width="{w}" height="{h}"/></clipPath>
<rect class="session" x="{x}" y="{y}" width="{w}" height="{h}" rx="4" ry="4" fill="{colour}"/>"#,
            kind = block.kind,
            id = block.id,
            day = block.day.code(),
            start = domain::format_time(block.start),
            end = domain::format_time(block.end),
            colour = block.colour,
        )?;
        let text_width = (w - 2 * PADDING) as f32;
        let lines_fit = (h - 2 * PADDING + LINE_GAP) / (NAME_SIZE + LINE_GAP);
        if lines_fit >= 2 || block.room.is_empty() && lines_fit >= 1 {
            // Tall enough: the name wrapped over the lines the room leaves.
            let show_room = !block.room.is_empty();
            let name_lines =
                usize::try_from((lines_fit - i32::from(show_room)).max(1)).unwrap_or(1);
            let lines = wrap(block.name, text_width / NAME_SIZE as f32, name_lines);
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
                write!(
                    out,
                    r#"<tspan class="room" x="{tx}" dy="{dy}" font-size="{ROOM_SIZE}">{text}</tspan>"#,
                    tx = x + PADDING,
                    dy = ROOM_SIZE + LINE_GAP,
                    text = escape(&truncate(block.room, text_width / ROOM_SIZE as f32)),
                )?;
            }
        } else {
            // A short block: name and room on one line, centred, in a
            // smaller size when that makes both fit (or when even one line
            // of the usual size is taller than the block); cut to fit else.
            let line_em = width_em(block.name)
                + if block.room.is_empty() {
                    0.0
                } else {
                    0.5 + width_em(block.room)
                };
            let largest = NAME_SIZE.min(h - 2).max(MIN_SIZE);
            let size = (MIN_SIZE..=largest)
                .rev()
                .find(|size| line_em <= text_width / *size as f32)
                .unwrap_or(MIN_SIZE.max(largest - 2));
            let pad = PADDING.min(((h - size) / 2).max(0));
            let width = text_width / size as f32;
            let room_width = if block.room.is_empty() {
                0.0
            } else {
                width_em(block.room).min(width / 2.0)
            };
            let name_width = if block.room.is_empty() {
                width
            } else {
                (width - room_width - 0.5).max(1.0)
            };
            let name = truncate(block.name, name_width);
            write!(
                out,
                r##"<text clip-path="url(#clip-{index})" x="{tx}" y="{ty}" font-size="{size}" fill="#1a202c"><tspan class="name" font-weight="bold">{text}</tspan>"##,
                tx = x + PADDING,
                ty = y + pad + size - size / 6,
                text = escape(&name),
            )?;
            if !block.room.is_empty() {
                write!(
                    out,
                    r#"<tspan class="room" dx="{gap}">{text}</tspan>"#,
                    gap = size / 2,
                    text = escape(&truncate(
                        block.room,
                        (width - width_em(&name) - 0.5).max(room_width)
                    )),
                )?;
            }
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

    /// The picture of a timetable whose courses were added in list order.
    fn draw_all(timetable: pb::Timetable) -> String {
        let added: Vec<i64> = timetable.courses.iter().map(|course| course.id).collect();
        svg(&timetable, &added)
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
    fn the_grid_spans_the_hours_in_use_and_only_the_weekend_days_in_use() {
        let svg = draw_all(timetable(vec![course(
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
        let svg = draw_all(timetable(Vec::new()));
        assert_eq!(svg.matches(r#"class="day""#).count(), 5);
        assert_eq!(svg.matches(r#"class="hour""#).count(), 9);
        assert!(!svg.contains(r#"class="course""#));
    }

    #[test]
    fn custom_entries_are_drawn_with_their_place_in_the_entry_colour() {
        let mut shown = timetable(vec![course(
            1,
            "자료구조",
            &[(pb::Day::Monday, "09:00", "10:15", "301호")],
        )]);
        shown.custom_entries = vec![pb::CustomEntry {
            id: 9,
            name: "알바 & 스터디".into(),
            place: "카페".into(),
            memo: "비밀 메모".into(),
            sessions: vec![pb::CustomEntrySession {
                day: pb::Day::Sunday.into(),
                start: "18:00".into(),
                end: "21:00".into(),
            }],
        }];
        let svg = draw_all(shown);
        let document = roxmltree::Document::parse(&svg).expect("valid XML");
        let entry = document
            .descendants()
            .find(|node| node.attribute("class") == Some("entry"))
            .expect("the entry's block");
        assert_eq!(entry.attribute("data-entry-id"), Some("9"));
        assert_eq!(entry.attribute("data-day"), Some("SUN"));
        let fill = entry
            .children()
            .find(|child| child.attribute("class") == Some("session"))
            .and_then(|rect| rect.attribute("fill"));
        assert_eq!(fill, Some(ENTRY_COLOUR));
        assert!(!PALETTE.contains(&ENTRY_COLOUR));
        assert!(svg.contains("알바 &amp; 스터디") && svg.contains("카페"));
        // The memo is the owner's note, never drawn; Sunday and the evening
        // hours join the grid.
        assert!(!svg.contains("비밀 메모"));
        assert!(svg.contains(r#"data-day="SUN""#) && svg.contains(">20</text>"));
        assert_eq!(svg.matches(r#"class="course""#).count(), 1);
    }

    #[test]
    fn course_text_is_escaped() {
        let svg = draw_all(timetable(vec![course(
            1,
            "R&D <입문>",
            &[(pb::Day::Monday, "09:00", "12:00", "\"A\" 동")],
        )]));
        assert!(svg.contains("R&amp;D &lt;입문&gt;"));
        assert!(svg.contains("&quot;A&quot; 동"));
        assert!(!svg.contains("<입문>"));
    }

    #[test]
    fn the_picture_paints_each_course_in_its_colour() {
        let first = course(1, "자료구조", &[(pb::Day::Monday, "09:00", "10:15", "")]);
        let second = course(2, "미적분학", &[(pb::Day::Monday, "11:00", "12:15", "")]);
        let expected = colours(&[first.clone(), second.clone()], &[2, 1]);

        let svg = svg(&timetable(vec![first, second]), &[2, 1]);

        let document = roxmltree::Document::parse(&svg).expect("valid XML");
        for node in document
            .descendants()
            .filter(|node| node.attribute("class") == Some("course"))
        {
            let id: i64 = node
                .attribute("data-course-id")
                .and_then(|id| id.parse().ok())
                .expect("a course id");
            let fill = node
                .children()
                .find(|child| child.attribute("class") == Some("session"))
                .and_then(|rect| rect.attribute("fill"));
            assert_eq!(fill, Some(expected[&id]), "course {id}");
        }
    }

    #[test]
    fn characters_xml_cannot_carry_are_dropped_and_the_picture_parses() {
        let name = "자료\u{fffe}구조\u{ffff}\u{1}및\u{fdd0}실습\u{10ffff}";
        let room = "301동\u{fffe} \u{b}101호";
        assert_eq!(escape(name), "자료구조 및실습");
        assert_eq!(
            escape("\u{d7ff}\u{e000}\u{fffd}\u{1f600}"),
            "\u{d7ff}\u{e000}\u{fffd}\u{1f600}"
        );

        let svg = draw_all(pb::Timetable {
            name: "시간표\u{ffff}".into(),
            ..timetable(vec![course(
                1,
                name,
                &[(pb::Day::Monday, "09:00", "11:00", room)],
            )])
        });

        for illegal in [
            '\u{fffe}',
            '\u{ffff}',
            '\u{1}',
            '\u{b}',
            '\u{fdd0}',
            '\u{10ffff}',
        ] {
            assert!(!svg.contains(illegal), "{:?} in the SVG", illegal);
        }
        let document = roxmltree::Document::parse(&svg).expect("valid XML");
        let text: String = document
            .descendants()
            .filter_map(|node| node.text())
            .collect();
        assert!(text.contains("자료구조 및실습"), "{text}");
        assert!(text.contains("301동  101호"), "{text}");
    }

    /// The name and room text of each block, and whether they share a line.
    fn block_texts(svg: &str) -> Vec<(String, String, bool)> {
        let document = roxmltree::Document::parse(svg).expect("valid XML");
        document
            .descendants()
            .filter(|node| node.attribute("class") == Some("course"))
            .map(|block| {
                let spans = |class: &str| -> Vec<roxmltree::Node<'_, '_>> {
                    block
                        .descendants()
                        .filter(|node| node.attribute("class") == Some(class))
                        .collect()
                };
                let text = |nodes: &[roxmltree::Node<'_, '_>]| -> String {
                    nodes.iter().filter_map(|node| node.text()).collect()
                };
                let (names, rooms) = (spans("name"), spans("room"));
                let one_line =
                    names.len() == 1 && rooms.iter().all(|room| room.attribute("dy").is_none());
                (text(&names), text(&rooms), one_line)
            })
            .collect()
    }

    #[test]
    fn every_block_shows_its_room_on_one_line_when_short() {
        let svg = draw_all(timetable(vec![
            course(
                1,
                "미적분학",
                &[(pb::Day::Monday, "09:00", "10:15", "27동 220호")],
            ),
            course(2, "채플", &[(pb::Day::Tuesday, "12:00", "12:30", "대강당")]),
            course(3, "조회", &[(pb::Day::Wednesday, "08:50", "09:00", "본관")]),
            course(4, "온라인", &[(pb::Day::Thursday, "09:00", "09:20", "")]),
            // Too long for one line of the usual size, whole in a smaller one.
            course(
                5,
                "자료구조",
                &[(pb::Day::Friday, "12:00", "12:30", "301동 101호")],
            ),
        ]));

        assert_eq!(
            block_texts(&svg),
            [
                ("미적분학".to_owned(), "27동 220호".to_owned(), false),
                ("채플".to_owned(), "대강당".to_owned(), true),
                ("조회".to_owned(), "본관".to_owned(), true),
                ("온라인".to_owned(), String::new(), true),
                ("자료구조".to_owned(), "301동 101호".to_owned(), true),
            ]
        );
    }
}
