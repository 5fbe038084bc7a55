//! A timetable's picture: the SVG grid with a block per session.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestStack;
use crate::{SEMESTER, add, course_id, create_timetable, stack_with_catalog};

#[tokio::test]
async fn the_image_is_an_svg_grid_with_a_block_per_session() {
    let (stack, _admin) = stack_with_catalog().await;
    let minsu = stack.user("minsu").await;
    let timetable = create_timetable(
        &stack,
        &minsu.token,
        json!({"semester": SEMESTER, "name": "R&D <계획>"}),
    )
    .await;
    let id = timetable["id"].as_i64().expect("an id");
    for code in ["CSE2010-01", "MAT1010-02"] {
        let course = course_id(&stack, &minsu.token, code).await;
        add(&stack, &minsu.token, id, course).await;
    }
    let image = |stack: &TestStack| {
        let request = stack
            .http
            .get(stack.url(&format!("/api/v1/timetables/{id}/image.svg")))
            .bearer_auth(&minsu.token);
        async move { request.send().await.expect("answers") }
    };

    let weekday = image(&stack).await;
    assert_eq!(weekday.status(), StatusCode::OK);
    assert_eq!(weekday.headers()["content-type"], "image/svg+xml");
    let svg = weekday.text().await.expect("a body");
    let document = roxmltree::Document::parse(&svg).expect("valid XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let font = root.attribute("font-family").expect("a font stack");
    assert!(
        font.contains("Apple SD Gothic Neo")
            && font.contains("Noto Sans KR")
            && font.contains("Malgun Gothic")
    );
    let class_count = |class: &str| {
        root.descendants()
            .filter(|node| node.attribute("class") == Some(class))
            .count()
    };
    assert_eq!(class_count("session"), 4, "two two-day courses");
    let days: Vec<&str> = root
        .descendants()
        .filter(|node| node.attribute("class") == Some("day"))
        .filter_map(|node| node.attribute("data-day"))
        .collect();
    assert_eq!(
        days,
        ["MON", "TUE", "WED", "THU", "FRI"],
        "no weekend when none is used"
    );
    let text: String = root.descendants().filter_map(|node| node.text()).collect();
    for expected in [
        "자료구조",
        "미적분학",
        "301동 101호",
        "27동 220호",
        "R&D <계획>",
    ] {
        assert!(text.contains(expected), "{expected} in {svg}");
    }

    let lab = course_id(&stack, &minsu.token, "PHY1020-01").await;
    add(&stack, &minsu.token, id, lab).await;
    let svg = image(&stack).await.text().await.expect("a body");
    let document = roxmltree::Document::parse(&svg).expect("valid XML");
    let days: Vec<&str> = document
        .descendants()
        .filter(|node| node.attribute("class") == Some("day"))
        .filter_map(|node| node.attribute("data-day"))
        .collect();
    assert_eq!(days, ["MON", "TUE", "WED", "THU", "FRI", "SAT"]);
    assert_eq!(
        document
            .descendants()
            .filter(|node| node.attribute("class") == Some("session"))
            .count(),
        5
    );
    // One colour per course, a different one for each.
    let mut fills: std::collections::BTreeMap<&str, std::collections::BTreeSet<&str>> =
        Default::default();
    for block in document
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
    assert_eq!(fills.len(), 3, "{fills:?}");
    assert!(
        fills.values().all(|colours| colours.len() == 1),
        "{fills:?}"
    );
    let distinct: std::collections::BTreeSet<&str> = fills.values().flatten().copied().collect();
    assert_eq!(distinct.len(), 3, "{fills:?}");
    // Every block shows its room.
    let rooms: Vec<&str> = document
        .descendants()
        .filter(|node| node.attribute("class") == Some("room"))
        .filter_map(|node| node.text())
        .collect();
    assert_eq!(
        rooms,
        [
            "301동 101호",
            "301동 101호",
            "27동 220호",
            "27동 220호",
            "56동 실험실"
        ]
    );
}
