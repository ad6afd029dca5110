//! Configuration layering: defaults < file < environment/flags.

use wardline::config::*;

#[test]
fn layers_resolve_in_order() {
    let dir = std::env::temp_dir().join(format!("wl_cfg_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("w.toml");
    std::fs::write(
        &f,
        "database_url = \"/srv/w.db\"\nlisten = \"0.0.0.0:9000\"\ndemo_people = 7\n",
    )
    .unwrap();
    let file = FileConfig::load(Some(&f)).unwrap();
    // Flag/env beat the file; the file beats the defaults.
    let c = Config::resolve(file, Some("postgres://x@h/db".into()), None, None);
    assert_eq!(c.database_url, "postgres://x@h/db");
    assert_eq!(c.listen, "0.0.0.0:9000");
    assert_eq!(c.demo_people, 7);
    let c = Config::resolve(
        FileConfig::load(Some(&f)).unwrap(),
        None,
        Some("127.0.0.1:1".into()),
        None,
    );
    assert_eq!(
        c.database_url, "sqlite:///srv/w.db",
        "a bare path means SQLite"
    );
    assert_eq!(c.listen, "127.0.0.1:1");
    let c = Config::resolve(FileConfig::default(), None, None, None);
    assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
    assert_eq!(c.listen, DEFAULT_LISTEN);
    std::fs::write(&f, "databse_url = \"typo\"\n").unwrap();
    let e = FileConfig::load(Some(&f)).unwrap_err();
    assert!(e.contains("databse_url"), "{e}");
    let _ = std::fs::remove_dir_all(dir);
}
