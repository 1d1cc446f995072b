//! Configuration layering (defaults → TOML → environment → flags), validation and secret
//! masking. The environment is a map handed to `Config::resolve`, so these tests never
//! touch the process environment.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use edugraph_edu::demo::DemoSize;
use edugraph_server::config::{Config, Layer};

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k: &str| map.get(k).cloned()
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("edugraph-config-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const TOML: &str = r#"
listen = "127.0.0.1:9100"
data_dir = "/var/lib/edugraph"
seed = 7
demo_size = "district"
body_limit = 1000
public_url = "https://toml.example"
"#;

#[test]
fn defaults_without_any_source() {
    let config = Config::resolve(None, &env_of(&[]), &Layer::default()).unwrap();
    assert_eq!(config, Config::default());
    assert_eq!(config.listen, "127.0.0.1:8080");
    assert_eq!(config.data_dir, PathBuf::from("./data"));
    assert_eq!(config.body_limit, 4 * 1024 * 1024);
    assert_eq!(config.store_url(), "sqlite://./data/edugraph.db");
    assert_eq!(config.issuer_base(), "http://127.0.0.1:8080");
}

#[test]
fn toml_then_env_then_flags() {
    let file = temp_file("edugraph.toml", TOML);
    let env = env_of(&[
        ("EDUGRAPH_LISTEN", "127.0.0.1:9200"),
        ("EDUGRAPH_SEED", "8"),
        ("EDUGRAPH_DEV", "true"),
    ]);
    let flags = Layer {
        listen: Some("127.0.0.1:9300".into()),
        ..Layer::default()
    };
    let config = Config::resolve(Some(&file), &env, &flags).unwrap();
    // Flag beats env beats TOML.
    assert_eq!(config.listen, "127.0.0.1:9300");
    // Env beats TOML.
    assert_eq!(config.seed, 8);
    assert!(config.dev);
    // TOML beats defaults.
    assert_eq!(config.data_dir, Path::new("/var/lib/edugraph"));
    assert_eq!(config.demo_size, DemoSize::District);
    assert_eq!(config.body_limit, 1000);
    assert_eq!(config.issuer_base(), "https://toml.example");
}

#[test]
fn config_file_can_come_from_the_environment() {
    let file = temp_file("from-env.toml", "seed = 42\n");
    let env = env_of(&[("EDUGRAPH_CONFIG", file.to_str().unwrap())]);
    assert_eq!(
        Config::resolve(None, &env, &Layer::default()).unwrap().seed,
        42
    );
}

#[test]
fn storage_choice_follows_in_memory_then_url_then_data_dir() {
    let env = env_of(&[("EDUGRAPH_DATABASE_URL", "postgres://edu:pw@db/edu")]);
    let config = Config::resolve(None, &env, &Layer::default()).unwrap();
    assert_eq!(config.store_url(), "postgres://edu:pw@db/edu");
    assert!(!config.uses_data_dir());
    let flags = Layer {
        in_memory: Some(true),
        ..Layer::default()
    };
    assert_eq!(
        Config::resolve(None, &env, &flags).unwrap().store_url(),
        "sqlite::memory:"
    );
    let flags = Layer {
        data_dir: Some("/tmp/x".into()),
        ..Layer::default()
    };
    assert_eq!(
        Config::resolve(None, &env_of(&[]), &flags)
            .unwrap()
            .store_url(),
        "sqlite:///tmp/x/edugraph.db"
    );
}

#[test]
fn masked_toml_hides_the_database_password_only() {
    let flags = Layer {
        database_url: Some("postgres://edu:hunter2@db.local:5432/edu".into()),
        ..Layer::default()
    };
    let config = Config::resolve(None, &env_of(&[]), &flags).unwrap();
    let shown = config.to_masked_toml();
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(
        shown.contains("postgres://edu:****@db.local:5432/edu"),
        "{shown}"
    );
    // The printed configuration reads back as a valid config file.
    let back = Layer::from_toml(&shown).unwrap();
    assert_eq!(back.listen.as_deref(), Some("127.0.0.1:8080"));
    assert_eq!(back.demo_size.as_deref(), Some("small"));
}

#[test]
fn invalid_values_are_refused_with_their_name() {
    let cases: Vec<(Layer, &str)> = vec![
        (
            Layer {
                listen: Some("localhost".into()),
                ..Layer::default()
            },
            "listen",
        ),
        (
            Layer {
                demo_size: Some("huge".into()),
                ..Layer::default()
            },
            "demo_size",
        ),
        (
            Layer {
                public_url: Some("ftp://x".into()),
                ..Layer::default()
            },
            "public_url",
        ),
        (
            Layer {
                database_url: Some("mysql://u:secret@h/db".into()),
                ..Layer::default()
            },
            "database_url",
        ),
        (
            Layer {
                body_limit: Some(0),
                ..Layer::default()
            },
            "body_limit",
        ),
    ];
    for (flags, name) in cases {
        let err = Config::resolve(None, &env_of(&[]), &flags)
            .unwrap_err()
            .to_string();
        assert!(err.contains(name), "{name}: {err}");
        assert!(
            !err.contains("secret"),
            "a refused URL is shown masked: {err}"
        );
    }
    let err = Config::resolve(
        None,
        &env_of(&[("EDUGRAPH_BODY_LIMIT", "lots")]),
        &Layer::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("EDUGRAPH_BODY_LIMIT"), "{err}");
}

#[test]
fn unknown_toml_keys_and_missing_files_are_errors() {
    let file = temp_file("typo.toml", "lisen = \"127.0.0.1:1\"\n");
    let err = format!(
        "{:#}",
        Config::resolve(Some(&file), &env_of(&[]), &Layer::default()).unwrap_err()
    );
    assert!(err.contains("lisen"), "{err}");
    let missing = Path::new("/nonexistent/edugraph.toml");
    let err = format!(
        "{:#}",
        Config::resolve(Some(missing), &env_of(&[]), &Layer::default()).unwrap_err()
    );
    assert!(err.contains("/nonexistent/edugraph.toml"), "{err}");
}
