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

#[test]
fn audit_files_and_retention_periods_come_from_the_file() {
    let dir = std::env::temp_dir().join(format!("wl_cfg_ret_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("w.toml");
    // Defaults: the key and the anchors beside the SQLite database.
    let c = Config::resolve(
        FileConfig::default(),
        Some("/srv/x/w.db".into()),
        None,
        None,
    );
    assert_eq!(c.audit_key_file, std::path::Path::new("/srv/x/audit.key"));
    assert_eq!(
        c.audit_anchor_file,
        std::path::Path::new("/srv/x/audit-anchors.log")
    );
    assert!(c.retention.is_empty());
    std::fs::write(
        &f,
        "audit_key_file = \"/etc/w/k\"\naudit_anchor_file = \"/log/a\"\n[retention]\nneed_contact = 14\nsessions = 0\n",
    )
    .unwrap();
    let c = Config::resolve(FileConfig::load(Some(&f)).unwrap(), None, None, None);
    assert_eq!(c.audit_key_file, std::path::Path::new("/etc/w/k"));
    assert_eq!(c.audit_anchor_file, std::path::Path::new("/log/a"));
    let p =
        wardline::audit::retention::policy(&wardline::retention::kinds(), &c.retention).unwrap();
    let days = |k: &str| p.iter().find(|x| x.kind.name == k).unwrap().days;
    assert_eq!(
        (
            days("need_contact"),
            days("sessions"),
            days("care_visit_notes")
        ),
        (14, 0, 90)
    );
    let _ = std::fs::remove_dir_all(dir);
}
