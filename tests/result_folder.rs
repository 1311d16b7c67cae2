//! Result folders that say exactly what they hold: one command's output, a lock, checksummed
//! stored paths, no file of an earlier command, no old manifest next to new files. Each test is
//! named after the defect it pins.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_protectsim");
const PARCELS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/folder_parcels.toml"
);
const POLICIES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/folder_policies.toml"
);

fn protectsim(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn ok(args: &[&str]) -> Output {
    let out = protectsim(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs `args`, expects exit code 2 and `want` in its error output.
fn refused(args: &[&str], want: &str) -> String {
    let out = protectsim(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(want), "{want:?} not in {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn chunks(out: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(out.join("batches"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    v.sort();
    v
}

/// Runs both shards of a two-shard run of `paths` paths into `dir/s1` and `dir/s2`.
fn two_shards(dir: &Path, paths: &str) -> (PathBuf, PathBuf) {
    let (s1, s2) = (dir.join("s1"), dir.join("s2"));
    for (k, out) in [("1/2", &s1), ("2/2", &s2)] {
        ok(&[
            "run",
            PARCELS,
            "--paths",
            paths,
            "--shard",
            k,
            "--quiet",
            "--no-report",
            "--out",
            s(out),
        ]);
    }
    (s1, s2)
}

fn manifest(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn resume_of_a_whole_run_refuses_the_batches_of_a_shard() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    ok(&[
        "run",
        PARCELS,
        "--paths",
        "100",
        "--shard",
        "1/3",
        "--quiet",
        "--out",
        s(&a),
    ]);
    let before = std::fs::read(a.join("manifest.json")).unwrap();
    refused(
        &[
            "run",
            PARCELS,
            "--paths",
            "100",
            "--resume",
            "--quiet",
            "--out",
            s(&a),
        ],
        "the shard differs",
    );
    // Refused before anything was touched: the shard's folder is as it was.
    assert_eq!(std::fs::read(a.join("manifest.json")).unwrap(), before);
    assert_eq!(manifest(&a)["shard"]["end_path"], 33);
}

#[test]
fn a_flipped_bit_in_a_stored_chunk_is_named_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (s1, s2) = two_shards(dir.path(), "128");
    let chunk = chunks(&s2)[0].clone();
    let good = std::fs::read(&chunk).unwrap();
    // Every 97th bit of the file, one at a time: each flip is caught.
    for bit in (0..good.len() * 8).step_by(97).take(40) {
        let mut bad = good.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        std::fs::write(&chunk, &bad).unwrap();
        let err = refused(
            &[
                "merge",
                s(&s1),
                s(&s2),
                "--no-report",
                "--out",
                s(&dir.path().join("m")),
            ],
            "corrupt",
        );
        assert!(
            err.contains(chunk.file_name().unwrap().to_str().unwrap()),
            "{err}"
        );
    }
    refused(
        &[
            "run",
            PARCELS,
            "--paths",
            "128",
            "--shard",
            "2/2",
            "--resume",
            "--quiet",
            "--out",
            s(&s2),
        ],
        "corrupt",
    );
    std::fs::write(&chunk, &good).unwrap();
    ok(&[
        "merge",
        s(&s1),
        s(&s2),
        "--no-report",
        "--out",
        s(&dir.path().join("m")),
    ]);
}

#[test]
fn a_refused_resume_leaves_the_scenario_copy_of_the_finished_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    ok(&["run", PARCELS, "--quiet", "--no-report", "--out", s(&out)]);
    let copy = std::fs::read(out.join("scenario.toml")).unwrap();
    let changed = dir.path().join("changed.toml");
    let text = std::fs::read_to_string(PARCELS).unwrap();
    std::fs::write(&changed, text.replace("take_up = 0.30", "take_up = 0.31")).unwrap();
    refused(
        &["run", s(&changed), "--resume", "--quiet", "--out", s(&out)],
        "the scenario file changed",
    );
    assert_eq!(std::fs::read(out.join("scenario.toml")).unwrap(), copy);
    assert!(out.join("manifest.json").exists());
}

#[test]
fn a_second_command_into_a_locked_folder_exits_2_and_names_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    std::fs::create_dir_all(&out).unwrap();
    // A holder that runs: a child process of this test.
    let mut holder = Command::new("sleep")
        .arg("30")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::fs::write(
        out.join(".protectsim.lock"),
        format!(
            "{} 2026-12-01T00:00:00Z\nprotectsim run x.toml\n",
            holder.id()
        ),
    )
    .unwrap();
    let err = refused(&["run", PARCELS, "--quiet", "--out", s(&out)], "in use");
    assert!(err.contains(&holder.id().to_string()), "{err}");
    refused(&["report", s(&out)], "not a finished result folder");
    holder.kill().unwrap();
    holder.wait().unwrap();
}

#[test]
fn a_lock_left_by_a_killed_process_is_taken_over() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    std::fs::create_dir_all(&out).unwrap();
    // pid_max on Linux is at most 2^22: this process id cannot run.
    std::fs::write(
        out.join(".protectsim.lock"),
        "4194305 2026-12-01T00:00:00Z\nold\n",
    )
    .unwrap();
    ok(&["run", PARCELS, "--quiet", "--no-report", "--out", s(&out)]);
    assert!(
        !out.join(".protectsim.lock").exists(),
        "the lock is released at the end"
    );
}

#[test]
fn a_later_command_leaves_no_file_of_an_earlier_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    ok(&["price", PARCELS, "--quiet", "--out", s(&out)]);
    assert!(out.join("pricing.csv").exists() && out.join("report.html").exists());
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    ok(&["run", PARCELS, "--quiet", "--no-report", "--out", s(&out)]);
    for stale in [
        "pricing.csv",
        "pricing.parquet",
        "pricing.xlsx",
        "report.html",
        "plots",
    ] {
        assert!(
            !out.join(stale).exists(),
            "{stale} of the earlier price survived"
        );
    }
    // What protectsim did not write is left alone.
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    let files = manifest(&out)["files"].as_array().unwrap().clone();
    for f in files {
        assert!(
            out.join(f.as_str().unwrap()).exists(),
            "manifest lists missing {f}"
        );
    }
}

#[test]
fn merge_into_one_of_its_own_shard_folders_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (s1, s2) = two_shards(dir.path(), "64");
    let before = chunks(&s1);
    refused(
        &["merge", s(&s1), s(&s2), "--out", s(&s1)],
        "one of the shard folders",
    );
    assert_eq!(chunks(&s1), before);
    assert!(s1.join("manifest.json").exists());
}

#[test]
fn orphaned_temporary_files_of_killed_writes_are_removed_by_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    std::fs::create_dir_all(out.join("batches")).unwrap();
    let orphans = [
        out.join(".paths.parquet.tmp-12345"),
        out.join("batches")
            .join(".chunk-000000000000-000000000064.bin.tmp-12345"),
    ];
    for o in &orphans {
        std::fs::write(o, "half a file").unwrap();
    }
    ok(&["run", PARCELS, "--quiet", "--no-report", "--out", s(&out)]);
    for o in &orphans {
        assert!(!o.exists(), "{} survived", o.display());
    }
}

#[test]
fn a_run_killed_while_rewriting_a_folder_leaves_no_old_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    ok(&["run", POLICIES, "--quiet", "--no-report", "--out", s(&out)]);
    assert_eq!(manifest(&out)["scenario"], "e_reputation");
    let mut child = Command::new(BIN)
        .args([
            "run",
            PARCELS,
            "--paths",
            "6400",
            "--threads",
            "1",
            "--quiet",
            "--out",
            s(&out),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed once the new run has started writing (its scenario copy is in the folder).
    let clock = Instant::now();
    let parcels = std::fs::read(PARCELS).unwrap();
    while std::fs::read(out.join("scenario.toml")).ok().as_ref() != Some(&parcels) {
        assert!(
            clock.elapsed() < Duration::from_secs(120),
            "not started within 2 minutes"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !out.join("manifest.json").exists(),
        "the e-reputation manifest survived next to parcel files"
    );
    refused(&["report", s(&out)], "not a finished result folder");
}

#[test]
fn sweep_writes_into_its_own_default_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .current_dir(dir.path())
        .args([
            "sweep",
            PARCELS,
            "--vary",
            "products[0].take_up=0.2..0.3:0.1",
            "--paths",
            "8",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sweep = dir.path().join("results/folder_parcels-sweep");
    assert!(sweep.join("sweep.csv").exists());
    assert!(!dir.path().join("results/folder_parcels").exists());
}

#[test]
fn a_report_that_fails_half_way_is_not_listed_in_the_manifest() {
    // The report is written before the manifest lists it: when writing it fails (here its
    // input, summary.parquet, is gone), the manifest on disk still lists only what exists.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    ok(&["run", PARCELS, "--quiet", "--no-report", "--out", s(&out)]);
    std::fs::remove_file(out.join("summary.parquet")).unwrap();
    let mut m = protectsim::report::html::read_manifest(&out).unwrap();
    assert!(protectsim::report::html::add_report(&out, &mut m).is_err());
    let listed = manifest(&out)["files"].as_array().unwrap().clone();
    assert!(
        !listed.iter().any(|f| f == "report.html"),
        "the manifest lists a report that was never written: {listed:?}"
    );
    assert!(!out.join("report.html").exists());
}
