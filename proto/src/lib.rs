//! The wire contracts of the Everytime services.
//!
//! Every crate that talks gRPC imports its messages, clients and servers from
//! here; nothing re-declares a message. [`FILE_DESCRIPTOR_SET`] feeds server
//! reflection so `grpcurl` can list and describe every service.
//!
//! Every message implements [`prost::Name`], so the type URL of a message
//! packed in a `google.protobuf.Any` (a status detail such as
//! `TimeConflict`) is `<Message as prost::Name>::type_url()`
//! (`type.googleapis.com/everytime.timetable.v1.TimeConflict`) on both sides
//! of a call, never a string written by hand.

/// The encoded `FileDescriptorSet` of every proto in this crate.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/everytime_descriptor.bin"));

/// `everytime.auth.v1`: schools, users, sign-in, tokens and sessions.
pub mod auth {
    /// Version 1 of the auth API.
    pub mod v1 {
        #![allow(clippy::all, missing_docs)]
        tonic::include_proto!("everytime.auth.v1");
    }
}

/// `everytime.community.v1`: boards, posts, comments, likes and scraps.
pub mod community {
    /// Version 1 of the community API.
    pub mod v1 {
        #![allow(clippy::all, missing_docs)]
        tonic::include_proto!("everytime.community.v1");
    }
}

/// `everytime.timetable.v1`: the course catalog, timetables and friends.
pub mod timetable {
    /// Version 1 of the timetable API.
    pub mod v1 {
        #![allow(clippy::all, missing_docs)]
        tonic::include_proto!("everytime.timetable.v1");
    }
}
