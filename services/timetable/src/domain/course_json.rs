//! Reads a course sent as a JSON value (`ImportCoursesRequest.courses_json`)
//! into the [`pb::CourseInput`] the import's rules judge, naming every field
//! of the wrong type or missing (`courses[3].credits`: "must be an integer").
//!
//! Only the shape is checked here: values are passed on as they came (a
//! day's name it does not know becomes `DAY_UNSPECIFIED`, which the rule of
//! the day then names), so a course is refused for its shape or for its
//! values, never for both at once. Numbers arrive as `f64`, as in
//! protobuf's JSON mapping: a finite whole number is an integer, whether it
//! was written `3` or `3.0`.

use everytime_common::validate::FieldError;
use everytime_proto::timetable::v1 as pb;
use prost_types::{Struct, Value, value::Kind};

use super::day::Day;

/// The course at `index` of an import, or every field of it whose JSON has
/// the wrong shape.
pub fn read(index: usize, value: &Value) -> Result<pb::CourseInput, Vec<FieldError>> {
    let prefix = format!("courses[{index}]");
    let Some(object) = as_object(value) else {
        return Err(vec![FieldError::new(prefix, "must be an object")]);
    };
    let mut errors = Vec::new();
    let mut course = Reader {
        object,
        prefix: &prefix,
        errors: &mut errors,
    };
    let code = course.string("code");
    let name = course.string("name");
    let professor = course.string("professor");
    let credits = course.int("credits");
    let sessions_json = course.array("sessions");
    let mut sessions = Vec::with_capacity(sessions_json.len());
    for (number, session) in sessions_json.iter().enumerate() {
        let prefix = format!("{prefix}.sessions[{number}]");
        let Some(object) = as_object(session) else {
            errors.push(FieldError::new(prefix, "must be an object"));
            continue;
        };
        let mut session = Reader {
            object,
            prefix: &prefix,
            errors: &mut errors,
        };
        sessions.push(pb::ClassSession {
            day: day_value(&session.string("day")),
            start: session.string("start"),
            end: session.string("end"),
            room: session.string("room"),
        });
    }
    if errors.is_empty() {
        Ok(pb::CourseInput {
            code,
            name,
            professor,
            credits,
            sessions,
        })
    } else {
        Err(errors)
    }
}

fn as_object(value: &Value) -> Option<&Struct> {
    match &value.kind {
        Some(Kind::StructValue(object)) => Some(object),
        _ => None,
    }
}

/// The wire day of `MON` ... `SUN`; anything else is unspecified, which
/// the day's rule refuses naming the field.
fn day_value(name: &str) -> i32 {
    Day::from_code(name.trim())
        .map_or(pb::Day::Unspecified, Day::to_pb)
        .into()
}

/// Reads the fields of a course's (or session's) JSON, noting each one
/// with the wrong shape.
struct Reader<'o, 'e> {
    object: &'o Struct,
    prefix: &'e str,
    errors: &'e mut Vec<FieldError>,
}

impl<'o> Reader<'o, '_> {
    fn fail(&mut self, name: &str, message: &str) {
        self.errors
            .push(FieldError::new(format!("{}.{name}", self.prefix), message));
    }

    /// The field's value; a field set to nothing at all counts as `null`.
    fn get(&self, name: &str) -> Option<Option<&'o Kind>> {
        self.object
            .fields
            .get(name)
            .map(|value| value.kind.as_ref())
    }

    fn string(&mut self, name: &str) -> String {
        match self.get(name) {
            Some(Some(Kind::StringValue(text))) => text.clone(),
            Some(_) => {
                self.fail(name, "must be a string");
                String::new()
            }
            None => {
                self.fail(name, "is required");
                String::new()
            }
        }
    }

    /// An integer; one beyond `i32` is clamped, which keeps it outside
    /// every range the rules allow, so the rule names it.
    fn int(&mut self, name: &str) -> i32 {
        match self.get(name) {
            Some(Some(Kind::NumberValue(number)))
                if number.is_finite() && number.fract() == 0.0 =>
            {
                clamp(*number)
            }
            Some(_) => {
                self.fail(name, "must be an integer");
                0
            }
            None => {
                self.fail(name, "is required");
                0
            }
        }
    }

    fn array(&mut self, name: &str) -> &'o [Value] {
        match self.get(name) {
            Some(Some(Kind::ListValue(list))) => &list.values,
            Some(_) => {
                self.fail(name, "must be an array");
                &[]
            }
            None => {
                self.fail(name, "is required");
                &[]
            }
        }
    }
}

/// A whole number as an `i32`, clamped to its range.
fn clamp(number: f64) -> i32 {
    if number <= f64::from(i32::MIN) {
        i32::MIN
    } else if number >= f64::from(i32::MAX) {
        i32::MAX
    } else {
        // In range and whole: the conversion is exact.
        number as i32
    }
}

/// JSON as the protobuf `Value` the gateway sends: for tests.
#[cfg(test)]
pub(crate) fn value(json: serde_json::Value) -> Value {
    let kind = match json {
        serde_json::Value::Null => Kind::NullValue(0),
        serde_json::Value::Bool(flag) => Kind::BoolValue(flag),
        serde_json::Value::Number(number) => Kind::NumberValue(number.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(text) => Kind::StringValue(text),
        serde_json::Value::Array(items) => Kind::ListValue(prost_types::ListValue {
            values: items.into_iter().map(value).collect(),
        }),
        serde_json::Value::Object(fields) => Kind::StructValue(Struct {
            fields: fields
                .into_iter()
                .map(|(name, field)| (name, value(field)))
                .collect(),
        }),
    };
    Value { kind: Some(kind) }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::domain::course::parse_json_import;

    fn shape_fields(index: usize, json: serde_json::Value) -> Vec<(String, String)> {
        read(index, &value(json))
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|error| (error.field, error.message))
            .collect()
    }

    fn pair(field: &str, message: &str) -> (String, String) {
        (field.to_owned(), message.to_owned())
    }

    #[test]
    fn a_well_shaped_course_is_passed_on_for_the_rules_to_judge() {
        let course = read(
            0,
            &value(
                json!({"code": " CSE2010-01 ", "name": "", "professor": "김민준", "credits": 99,
                "sessions": [{"day": "Monday", "start": "9", "end": "25:00", "room": ""}]}),
            ),
        )
        .expect("the shape is right");
        assert_eq!(course.code, " CSE2010-01 ");
        assert_eq!(course.credits, 99);
        assert_eq!(course.sessions[0].day, i32::from(pb::Day::Unspecified));
        assert_eq!(course.sessions[0].start, "9");
        let huge = read(
            0,
            &value(
                json!({"code": "A", "name": "B", "professor": "", "credits": 1_u64 << 40, "sessions": []}),
            ),
        )
        .expect("an integer");
        assert_eq!(huge.credits, i32::MAX, "still out of every range");
        let tiny = read(
            0,
            &value(
                json!({"code": "A", "name": "B", "professor": "", "credits": -1e12, "sessions": []}),
            ),
        )
        .expect("an integer");
        assert_eq!(tiny.credits, i32::MIN, "still out of every range");
        let decimal = read(
            0,
            &value(
                json!({"code": "A", "name": "B", "professor": "", "credits": 3.0,
                "sessions": [{"day": " TUE ", "start": "09:00", "end": "10:00", "room": ""}]}),
            ),
        )
        .expect("3.0 is an integer");
        assert_eq!(decimal.credits, 3);
        assert_eq!(decimal.sessions[0].day, i32::from(pb::Day::Tuesday));
    }

    #[test]
    fn every_field_with_the_wrong_shape_is_named() {
        assert_eq!(
            shape_fields(
                3,
                json!({"code": 7, "name": "자료구조", "credits": "three",
                    "sessions": [{"day": "MON", "start": "09:00", "end": null, "room": ""}, 5]})
            ),
            [
                pair("courses[3].code", "must be a string"),
                pair("courses[3].professor", "is required"),
                pair("courses[3].credits", "must be an integer"),
                pair("courses[3].sessions[0].end", "must be a string"),
                pair("courses[3].sessions[1]", "must be an object"),
            ]
        );
        assert_eq!(
            shape_fields(0, json!("CSE2010-01")),
            [pair("courses[0]", "must be an object")]
        );
        assert_eq!(
            shape_fields(
                1,
                json!({"code": "A", "name": "B", "professor": "", "credits": 2.5, "sessions": {}})
            ),
            [
                pair("courses[1].credits", "must be an integer"),
                pair("courses[1].sessions", "must be an array"),
            ]
        );
        let unset = Value { kind: None };
        let mut fields = as_object(&value(
            json!({"code": "A", "name": "B", "professor": "", "sessions": []}),
        ))
        .expect("an object")
        .clone();
        fields.fields.insert("credits".into(), unset);
        let read_back = read(
            2,
            &Value {
                kind: Some(Kind::StructValue(fields)),
            },
        );
        assert_eq!(
            read_back.unwrap_err(),
            [FieldError::new("courses[2].credits", "must be an integer")]
        );
    }

    #[test]
    fn a_refusal_names_the_shape_errors_only_when_it_stopped_at_a_course_of_the_wrong_shape() {
        let good = |code: &str| {
            json!({"code": code, "name": "자료구조", "professor": "김민준", "credits": 3,
                "sessions": [{"day": "MON", "start": "09:00", "end": "10:15", "room": ""}]})
        };
        let mut misshapen = good("D");
        misshapen["credits"] = json!("three");
        misshapen["name"] = json!("");
        let mut rule_broken = good("B");
        rule_broken["credits"] = json!(31);
        let batch = |courses: Vec<serde_json::Value>| -> Vec<Value> {
            courses.into_iter().map(value).collect()
        };
        let refused = |semester: &str, courses: Vec<serde_json::Value>| -> Vec<(String, String)> {
            parse_json_import(semester, &batch(courses))
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|error| (error.field, error.message))
                .collect()
        };

        assert_eq!(
            refused(
                "2026-2",
                vec![good("A"), rule_broken.clone(), good("C"), misshapen.clone()]
            ),
            [pair("courses[1].credits", "must be between 0 and 30")]
        );
        assert_eq!(
            refused("2026-3", vec![good("A"), misshapen.clone()]),
            [pair(
                "semester",
                "must be YYYY-1, YYYY-2, YYYY-S (summer) or YYYY-W (winter)"
            )]
        );
        assert_eq!(
            refused("2026-2", vec![]),
            [pair("courses", "must hold 1 to 500 courses")]
        );
        assert_eq!(
            refused(
                "2026-2",
                vec![good("A"), good("B"), good("C"), misshapen, rule_broken]
            ),
            [pair("courses[3].credits", "must be an integer")],
            "the shape errors, not the empty name"
        );
        let (semester, courses) =
            parse_json_import("2026-2", &batch(vec![good("A"), good("B")])).expect("imports");
        assert_eq!((semester.as_str(), courses.len()), ("2026-2", 2));
    }
}
