//! Embeds the web client (`web/`) in the binary: generates `web_files.rs`,
//! one entry per file with its path, content type, ETag and bytes, so the
//! gateway serves the app with nothing beside it on disk.

use std::{
    env, fs,
    path::{Path, PathBuf},
};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    // Without its files the gateway would serve nothing at `/`: refuse to
    // build rather than embed an empty app.
    assert!(
        files.contains(&root.join("index.html")),
        "{} has no index.html: the web client is missing",
        root.display()
    );
    let mut table = String::from("&[\n");
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let relative = file
            .strip_prefix(&root)
            .expect("under web/")
            .to_str()
            .expect("web/ file names are UTF-8")
            .replace('\\', "/");
        let bytes = fs::read(file).expect("readable web/ file");
        let content_type = content_type(&relative)
            .unwrap_or_else(|| panic!("web/{relative}: no content type for this extension"));
        table.push_str(&format!(
            "    WebFile {{ path: {path:?}, content_type: {content_type:?}, etag: \"\\\"{etag:016x}\\\"\", bytes: include_bytes!({file:?}) }},\n",
            path = format!("/{relative}"),
            etag = fnv1a(&bytes),
            file = file.display().to_string(),
        ));
    }
    table.push(']');
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR")).join("web_files.rs");
    fs::write(out, table).expect("writable OUT_DIR");
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()));
    for entry in entries {
        let path = entry.expect("readable web/ entry").path();
        if path.is_dir() {
            collect(&path, files);
        } else if !path
            .file_name()
            .and_then(|name| name.to_str())
            .is_some_and(|name| name.starts_with('.'))
        {
            files.push(path);
        }
    }
}

fn content_type(path: &str) -> Option<&'static str> {
    let extension = path.rsplit_once('.')?.1;
    Some(match extension {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" | "webmanifest" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => return None,
    })
}

/// 64-bit FNV-1a: a stable content hash for the ETag (not a security hash).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
