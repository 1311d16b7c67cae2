//! Scaling out: shards merge into exactly the result of one run (every file compared), and a
//! run killed part-way resumes to exactly the uninterrupted result.

use polars::prelude::*;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_protectsim");
const FRAMES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/frame_black_friday.toml"
);
const PARCELS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/black_friday_parcels.toml"
);

fn protectsim(args: &[&str]) -> std::process::Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn ok(args: &[&str]) {
    let out = protectsim(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn read_parquet(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

/// Every result file of `b` holds the same values as in `a` (parquet by value, since its
/// metadata records threads and time; everything else byte for byte), manifest and report aside
/// (`report.html` shows the manifest).
fn assert_same_results(a: &Path, b: &Path, at_least: usize) {
    let mut files = vec![];
    for entry in walk(a) {
        let rel = entry.strip_prefix(a).unwrap().to_path_buf();
        let name = rel.to_string_lossy().into_owned();
        if name == "manifest.json" || name == "report.html" || name.starts_with("batches") {
            continue;
        }
        files.push(name.clone());
        if name.ends_with(".parquet") {
            assert!(
                read_parquet(&a.join(&rel)).equals_missing(&read_parquet(&b.join(&rel))),
                "{name} differs"
            );
        } else {
            assert_eq!(
                std::fs::read(a.join(&rel)).unwrap(),
                std::fs::read(b.join(&rel)).unwrap(),
                "{name} differs"
            );
        }
    }
    assert!(files.len() >= at_least, "too few files compared: {files:?}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p))
        } else {
            out.push(p)
        }
    }
    out
}

#[test]
fn four_shards_merge_into_the_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = |s: &str| dir.path().join(s).to_string_lossy().into_owned();
    ok(&[
        "run",
        FRAMES,
        "--paths",
        "130",
        "--quiet",
        "--out",
        &d("single"),
    ]);
    for k in 1..=4 {
        ok(&[
            "run",
            FRAMES,
            "--paths",
            "130",
            "--quiet",
            "--threads",
            "1",
            "--shard",
            &format!("{k}/4"),
            "--out",
            &d(&format!("s{k}")),
        ]);
    }
    ok(&[
        "merge",
        &d("s2"),
        &d("s4"),
        &d("s1"),
        &d("s3"),
        "--out",
        &d("merged"),
    ]);
    // paths, summary ×2, frame_daily, frame_paths, scenario.toml, 5 fan charts
    assert_same_results(&dir.path().join("single"), &dir.path().join("merged"), 11);
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("merged/manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(manifest["shard"]["count"], 1);
    assert_eq!(manifest["paths"], 130);

    // Refusals, each with its reason and exit code 2.
    let refuse = |args: &[&str], want: &str| {
        let out = protectsim(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{want:?} not in {err}");
    };
    refuse(
        &["merge", &d("s1"), &d("s2"), &d("s4"), "--out", &d("bad")],
        "shard 3/4 is missing",
    );
    refuse(
        &[
            "merge",
            &d("s1"),
            &d("s2"),
            &d("s2"),
            &d("s3"),
            &d("s4"),
            "--out",
            &d("bad"),
        ],
        "given more than once",
    );
    ok(&[
        "run",
        FRAMES,
        "--paths",
        "130",
        "--seed",
        "7",
        "--quiet",
        "--shard",
        "3/4",
        "--out",
        &d("other"),
    ]);
    refuse(
        &[
            "merge",
            &d("s1"),
            &d("s2"),
            &d("other"),
            &d("s4"),
            "--out",
            &d("bad"),
        ],
        "the seed differs",
    );
    assert!(!dir.path().join("bad").exists());
}

/// Starts a run and returns it once at least one batch is stored; the caller waits for it.
#[allow(clippy::zombie_processes)]
fn start_and_wait_for_a_batch(out: &Path, paths: &str) -> Child {
    let mut child = Command::new(BIN)
        .args([
            "run",
            PARCELS,
            "--paths",
            paths,
            "--threads",
            "2",
            "--quiet",
            "--out",
        ])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let clock = Instant::now();
    loop {
        let stored = std::fs::read_dir(out.join("batches"))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".bin"))
                    .count()
            })
            .unwrap_or(0);
        if stored >= 1 {
            return child;
        }
        if clock.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("no batch stored within 2 minutes");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_killed_run_resumes_to_the_uninterrupted_result() {
    let dir = tempfile::tempdir().unwrap();
    let (whole, killed) = (dir.path().join("whole"), dir.path().join("killed"));
    let mut child = start_and_wait_for_a_batch(&killed, "640");
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    child.wait().unwrap();
    assert!(
        !killed.join("manifest.json").exists(),
        "a killed run must not look finished"
    );

    let out = Command::new(BIN)
        .args([
            "run", PARCELS, "--paths", "640", "--quiet", "--resume", "--out",
        ])
        .arg(&killed)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let note = String::from_utf8_lossy(&out.stderr);
    let done: u64 = note
        .split("resuming: ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!((1..10).contains(&done), "{note}");

    ok(&[
        "run",
        PARCELS,
        "--paths",
        "640",
        "--quiet",
        "--out",
        whole.to_str().unwrap(),
    ]);
    assert_same_results(&whole, &killed, 4);
}

#[test]
fn ctrl_c_stops_cleanly_and_says_how_to_resume() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let child = start_and_wait_for_a_batch(&out, "640");
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let result = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    if result.status.success() {
        return; // the run finished before the signal arrived: nothing to resume
    }
    assert_eq!(result.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted") && stderr.contains("--resume"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}
