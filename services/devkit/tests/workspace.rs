//! The workspace keeps its shape: no service binary links the dev-only
//! devkit; the image's dependency-caching stage knows every member (one it
//! misses breaks `cargo build --locked` there); the modules of
//! `everytime-common` import each other one way only.

use std::{path::PathBuf, process::Command};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cargo(args: &[&str]) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args(args)
        .arg("--manifest-path")
        .arg(root().join("Cargo.toml"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("cargo prints UTF-8")
}

#[test]
fn no_service_binary_links_the_devkit() {
    for package in [
        "everytime-auth",
        "everytime-community",
        "everytime-timetable",
        "everytime-gateway",
    ] {
        let tree = cargo(&[
            "tree",
            "--offline",
            "-p",
            package,
            "-e",
            "normal",
            "--prefix",
            "none",
        ]);
        assert!(
            tree.lines()
                .any(|line| line.starts_with("everytime-common ")),
            "{package}'s tree lists its dependencies:\n{tree}"
        );
        assert!(
            !tree
                .lines()
                .any(|line| line.starts_with("everytime-devkit ")),
            "{package} links everytime-devkit:\n{tree}"
        );
    }
}

#[test]
fn the_image_stubs_every_workspace_member() {
    let metadata: serde_json::Value = serde_json::from_str(&cargo(&[
        "metadata",
        "--no-deps",
        "--offline",
        "--format-version",
        "1",
    ]))
    .expect("cargo metadata prints JSON");
    let dockerfile = std::fs::read_to_string(root().join("deploy/Dockerfile")).expect("Dockerfile");
    let root = std::fs::canonicalize(root()).expect("the workspace root");
    for package in metadata["packages"].as_array().expect("packages") {
        let manifest = PathBuf::from(package["manifest_path"].as_str().expect("a path"));
        let dir = manifest
            .parent()
            .and_then(|dir| dir.strip_prefix(&root).ok())
            .expect("a member below the root")
            .display()
            .to_string();
        if dir == "proto" {
            assert!(
                dockerfile.contains("COPY proto proto"),
                "the real proto crate"
            );
            continue;
        }
        assert!(
            dockerfile.contains(&format!("COPY {dir}/Cargo.toml {dir}/")),
            "deploy/Dockerfile copies {dir}/Cargo.toml"
        );
        let stubbed = dockerfile
            .lines()
            .filter(|line| line.contains("for dir in"))
            .any(|line| {
                line.split_whitespace()
                    .any(|word| word.trim_end_matches(';') == dir)
            });
        assert!(stubbed, "deploy/Dockerfile stubs the sources of {dir}");
    }
}

/// The top-level modules `services/common/src/<module>(.rs|/)` that
/// `source` (with comments removed) names through `crate::`.
fn crate_imports(source: &str, modules: &std::collections::BTreeSet<String>) -> Vec<String> {
    let code: String = source
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = std::collections::BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        // `crate::{a::x, b}` names several.
        let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
            let end = group.find("};").unwrap_or(group.len());
            group[..end]
                .split(',')
                .map(|part| part.trim().split("::").next().unwrap_or("").trim())
                .collect()
        } else {
            vec![
                rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                    .next()
                    .unwrap_or(""),
            ]
        };
        for name in names {
            let name = name.trim_start_matches('{').trim();
            if modules.contains(name) {
                found.insert(name.to_owned());
            }
        }
    }
    found.into_iter().collect()
}

#[test]
fn the_modules_of_common_import_each_other_one_way_only() {
    let src = root().join("services/common/src");
    let mut modules = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&src).expect("services/common/src") {
        let path = entry.expect("an entry").path();
        let name = path
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_owned();
        if name != "lib" {
            modules.insert(name);
        }
    }
    let mut imports = std::collections::BTreeMap::new();
    for module in &modules {
        let file = src.join(format!("{module}.rs"));
        let files: Vec<PathBuf> = if file.is_file() {
            vec![file]
        } else {
            std::fs::read_dir(src.join(module))
                .expect("a module folder")
                .map(|entry| entry.expect("an entry").path())
                .collect()
        };
        let mut uses = std::collections::BTreeSet::new();
        for file in files {
            let source = std::fs::read_to_string(&file).expect("readable");
            uses.extend(
                crate_imports(&source, &modules)
                    .into_iter()
                    .filter(|name| name != module),
            );
        }
        imports.insert(module.clone(), uses);
    }
    // Depth-first: a module met again while still on the path closes a circle.
    fn visit(
        module: &str,
        imports: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut std::collections::BTreeSet<String>,
    ) {
        if done.contains(module) {
            return;
        }
        if let Some(at) = path.iter().position(|on| on == module) {
            panic!("import circle: {} -> {module}", path[at..].join(" -> "));
        }
        path.push(module.to_owned());
        for next in imports.get(module).into_iter().flatten() {
            visit(next, imports, path, done);
        }
        path.pop();
        done.insert(module.to_owned());
    }
    let mut done = std::collections::BTreeSet::new();
    for module in imports.keys() {
        visit(module, &imports, &mut Vec::new(), &mut done);
    }
    assert!(
        imports["db"].contains("metrics"),
        "the scan sees imports: {imports:?}"
    );
    assert!(!imports["metrics"].contains("db"), "{imports:?}");
}
