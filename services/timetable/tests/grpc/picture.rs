//! The timetable picture over gRPC.

use everytime_proto::timetable::v1::{self as pb, Day::*};

use crate::{
    catalog::catalog,
    support::{TestTimetable, authed, course, session},
};

#[tokio::test]
async fn the_picture_is_svg_with_a_block_per_session() {
    let service = TestTimetable::start().await;
    let mut courses = catalog();
    // Half an hour: too short for two lines, and its room still shows.
    courses.push(course(
        "CHA0001-01",
        "채플",
        "",
        0,
        vec![session(Friday, "12:00", "12:30", "대강당")],
    ));
    service.import(1, courses).await.expect("imports");
    let user = service.user(1, 1);
    let timetable = service
        .create_timetable(&user, Some("내 <시간표> & 계획"))
        .await;
    for code in ["CSE2010-01", "MAT1010-02", "PHY1020-01", "CHA0001-01"] {
        let id = service.course_id(&user, code).await;
        service.add(&user, timetable.id, id).await.expect("adds");
    }

    let svg = service
        .timetables()
        .render_timetable(authed(
            pb::RenderTimetableRequest {
                timetable_id: timetable.id,
            },
            &user.token,
        ))
        .await
        .expect("renders")
        .into_inner()
        .svg;

    let document = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert!(
        root.attribute("font-family")
            .is_some_and(|font| font.contains("Noto Sans KR"))
    );
    let blocks = root
        .descendants()
        .filter(|node| node.attribute("class") == Some("session"))
        .count();
    assert_eq!(blocks, 6, "2 + 2 + 1 + 1 sessions");
    // Each course in one colour of its own.
    let mut fills: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> =
        Default::default();
    for block in root
        .descendants()
        .filter(|node| node.attribute("class") == Some("course"))
    {
        let fill = block
            .children()
            .find(|node| node.attribute("class") == Some("session"))
            .and_then(|rect| rect.attribute("fill"))
            .expect("a filled block");
        fills
            .entry(block.attribute("data-course-id").expect("a course id"))
            .or_default()
            .insert(fill);
    }
    assert_eq!(fills.len(), 4);
    assert!(
        fills.values().all(|colours| colours.len() == 1),
        "{fills:?}"
    );
    let distinct: std::collections::BTreeSet<&str> = fills.values().flatten().copied().collect();
    assert_eq!(distinct.len(), 4, "{fills:?}");
    // Every block names its room.
    let rooms: Vec<&str> = root
        .descendants()
        .filter(|node| node.attribute("class") == Some("room"))
        .filter_map(|node| node.text())
        .collect();
    assert_eq!(rooms.len(), 6, "{rooms:?}");
    for room in ["301동 101호", "27동 220호", "56동 실험실", "대강당"] {
        assert!(rooms.contains(&room), "{room} in {rooms:?}");
    }
    let days: Vec<&str> = root
        .descendants()
        .filter(|node| node.attribute("class") == Some("day"))
        .filter_map(|node| node.attribute("data-day"))
        .collect();
    assert_eq!(days, ["MON", "TUE", "WED", "THU", "FRI", "SAT"]);
    let text: String = root.descendants().filter_map(|node| node.text()).collect();
    for name in [
        "자료구조",
        "미적분학",
        "물리학실험",
        "채플",
        "301동 101호",
        "내 <시간표> & 계획",
    ] {
        assert!(text.contains(name), "{name}");
    }
}
