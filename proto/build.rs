//! Compiles the protos with protox (pure Rust, no `protoc` needed) and
//! generates the tonic/prost code plus a file descriptor set for reflection.

use std::{env, path::PathBuf};

use prost::Message;

const PROTOS: &[&str] = &[
    "everytime/auth/v1/auth.proto",
    "everytime/community/v1/community.proto",
    "everytime/community/v1/messages.proto",
    "everytime/community/v1/notifications.proto",
    "everytime/timetable/v1/timetable.proto",
    "everytime/timetable/v1/grades.proto",
    "everytime/timetable/v1/reviews.proto",
    "everytime/timetable/v1/events.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for proto in PROTOS {
        println!("cargo:rerun-if-changed={proto}");
    }

    let descriptors = protox::compile(PROTOS, ["."])?;
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    std::fs::write(
        out_dir.join("everytime_descriptor.bin"),
        descriptors.encode_to_vec(),
    )?;

    // Every message implements `prost::Name`, so a status detail's type URL
    // is `<Message as Name>::type_url()` on both sides of a call, written
    // nowhere by hand. The domain is the one `google.protobuf.Any` uses.
    let mut config = tonic_prost_build::Config::new();
    config
        .enable_type_names()
        .type_name_domain(["."], "type.googleapis.com");
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds_with_config(descriptors, config)?;
    Ok(())
}
