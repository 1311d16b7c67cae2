//! `report.html` in a real browser: headless Chromium loads the report of a quickstart run and
//! of a guarantee-frame run from `file://`, with name resolution mapped to nowhere; the DOM it
//! dumps must hold the charts, and its screenshot must show them (the histogram's bar colour).
//!
//! Without a `chromium` (or `chromium-browser`, or `$PROTECTSIM_CHROMIUM`) the test says so and
//! passes, unless `PROTECTSIM_REQUIRE_BROWSER=1` (as `.ci/run` sets), where it fails.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_protectsim");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("PROTECTSIM_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

fn protectsim(args: &[&str], out: &Path) {
    let output = Command::new(BIN)
        .args(args)
        .args(["--quiet", "--out"])
        .arg(out)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "protectsim {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs Chromium headless with no network, killing it after 120 s.
fn chromium(exe: &Path, profile: &Path, args: &[String]) -> Output {
    let mut child = Command::new(exe)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--host-resolver-rules=MAP * ~NOTFOUND",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut out = child.wait_with_output().unwrap();
    out.stdout = reader.join().unwrap();
    out
}

/// The decoded pixels of an 8-bit RGB or RGBA PNG: (width, height, RGB triples).
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<[u8; 3]>) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let (mut width, mut height, mut channels) = (0u32, 0u32, 0usize);
    let mut idat = Vec::new();
    let mut at = 8;
    while at + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let kind = &bytes[at + 4..at + 8];
        let data = &bytes[at + 8..at + 8 + len];
        match kind {
            b"IHDR" => {
                width = u32::from_be_bytes(data[0..4].try_into().unwrap());
                height = u32::from_be_bytes(data[4..8].try_into().unwrap());
                assert_eq!(data[8], 8, "bit depth");
                assert_eq!(data[12], 0, "interlaced PNG");
                channels = match data[9] {
                    2 => 3,
                    6 => 4,
                    other => panic!("PNG colour type {other}"),
                };
            }
            b"IDAT" => idat.extend_from_slice(data),
            b"IEND" => break,
            _ => {}
        }
        at += 12 + len;
    }
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .unwrap();
    let stride = width as usize * channels;
    assert_eq!(raw.len(), height as usize * (stride + 1), "PNG data size");
    let mut prev = vec![0u8; stride];
    let mut pixels = Vec::with_capacity((width * height) as usize);
    for row in raw.chunks(stride + 1) {
        let (filter, line) = (row[0], &row[1..]);
        let mut cur = vec![0u8; stride];
        for i in 0..stride {
            let a = if i >= channels { cur[i - channels] } else { 0 };
            let b = prev[i];
            let c = if i >= channels { prev[i - channels] } else { 0 };
            let predictor = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((a as u16 + b as u16) / 2) as u8,
                4 => {
                    let p = a as i16 + b as i16 - c as i16;
                    let (pa, pb, pc) = (
                        (p - a as i16).abs(),
                        (p - b as i16).abs(),
                        (p - c as i16).abs(),
                    );
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                other => panic!("PNG filter {other}"),
            };
            cur[i] = line[i].wrapping_add(predictor);
        }
        pixels.extend(cur.chunks(channels).map(|p| [p[0], p[1], p[2]]));
        prev = cur;
    }
    (width, height, pixels)
}

/// No reference that would make a browser fetch anything: no script, no `src`, no stylesheet
/// link, no `url(...)`, no `@import`, no http(s) link.
fn assert_self_contained(html: &str, name: &str) {
    let lower = html.to_lowercase();
    for bad in [
        "<script",
        " src=",
        "url(",
        "@import",
        "href=\"http",
        "href='http",
        "rel=\"stylesheet\"",
        "<iframe",
        "<img",
    ] {
        assert!(!lower.contains(bad), "{name} contains {bad:?}");
    }
}

#[test]
fn report_renders_in_headless_chromium_with_its_charts() {
    let Some(exe) = find_chromium() else {
        if std::env::var("PROTECTSIM_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!(
                "PROTECTSIM_REQUIRE_BROWSER=1 but no chromium on PATH: apt-get install chromium"
            );
        }
        eprintln!(
            "SKIPPED report_renders_in_headless_chromium_with_its_charts: no chromium on PATH \
             (apt-get install chromium; set PROTECTSIM_REQUIRE_BROWSER=1 to make this an error)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let quick = dir.path().join("quickstart");
    let frames = dir.path().join("frames");
    let scenario = |s: &str| format!("{ROOT}/scenarios/{s}.toml");
    protectsim(&["run", &scenario("quickstart"), "--paths", "50"], &quick);
    protectsim(
        &["frame", &scenario("frame_black_friday"), "--paths", "30"],
        &frames,
    );

    let html = std::fs::read_to_string(quick.join("report.html")).unwrap();
    assert_self_contained(&html, "quickstart report");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "the quickstart report holds a URL"
    );
    assert!(html.len() < 2_000_000, "report is {} bytes", html.len());
    let frame_html = std::fs::read_to_string(frames.join("report.html")).unwrap();
    assert_self_contained(&frame_html, "frame report");
    assert!(frame_html.len() < 2_000_000);

    // The DOM after load holds the charts as SVG elements.
    let profile = dir.path().join("profile");
    for (folder, min_svgs, texts) in [
        (
            &quick,
            2,
            &[
                "loss ratio per path (%)",
                "mean claims over the horizon (EUR)",
            ][..],
        ),
        (
            &frames,
            2 + 5,
            &[
                "active guaranteed volume (EUR)",
                "Black Friday",
                "Christmas",
            ][..],
        ),
    ] {
        let url = format!("file://{}", folder.join("report.html").display());
        let out = chromium(&exe, &profile, &["--dump-dom".into(), url]);
        let dom = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && dom.contains("</html>"),
            "chromium --dump-dom failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let svgs = dom.matches("<svg").count();
        assert!(
            svgs >= min_svgs,
            "{svgs} SVG charts in the DOM of {folder:?}"
        );
        for t in texts {
            assert!(dom.contains(t), "DOM of {folder:?} lacks {t:?}");
        }
    }

    // The screenshot shows the page with its charts.
    let png = dir.path().join("report.png");
    let url = format!("file://{}", quick.join("report.html").display());
    let out = chromium(
        &exe,
        &profile,
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,2000".into(),
            url,
        ],
    );
    assert!(
        png.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (w, h, pixels) = decode_png(&std::fs::read(&png).unwrap());
    assert_eq!((w, h), (1280, 2000));
    let non_white = pixels.iter().filter(|p| **p != [255, 255, 255]).count();
    let share = non_white as f64 / pixels.len() as f64;
    assert!(
        share > 0.1,
        "the screenshot is nearly blank ({share:.3} non-white)"
    );
    // The histogram and peril bars are filled with rgb(107, 174, 214).
    let bars = pixels
        .iter()
        .filter(|p| p[0].abs_diff(107) < 8 && p[1].abs_diff(174) < 8 && p[2].abs_diff(214) < 8)
        .count();
    assert!(
        bars > 20_000,
        "only {bars} pixels of chart bars in the screenshot"
    );
    if let Ok(keep) = std::env::var("PROTECTSIM_KEEP_SCREENSHOT") {
        std::fs::copy(&png, keep).unwrap();
    }
}

/// The layout a reader meets, measured by Chromium on a copy of each report with a script
/// added (the report itself has none): the first section is the decision block, and no table
/// shown unfolded is wider than the page (no horizontal scroll inside a table, none on the
/// page). A priced folder and a frame folder, whose wide tables (pricing, recommendation) keep
/// their decision columns in view and fold the rest.
#[test]
fn report_opens_with_its_decisions_and_no_table_overflows_the_page() {
    let Some(exe) = find_chromium() else {
        if std::env::var("PROTECTSIM_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!(
                "PROTECTSIM_REQUIRE_BROWSER=1 but no chromium on PATH: apt-get install chromium"
            );
        }
        eprintln!(
            "SKIPPED report_opens_with_its_decisions_and_no_table_overflows_the_page: no chromium"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let priced = dir.path().join("priced");
    let frames = dir.path().join("frames");
    let scenario = |s: &str| format!("{ROOT}/scenarios/{s}.toml");
    protectsim(
        &["price", &scenario("quickstart"), "--paths", "40"],
        &priced,
    );
    protectsim(
        &["frame", &scenario("frame_black_friday"), "--paths", "30"],
        &frames,
    );
    const PROBE: &str = r#"<script>
addEventListener('load', () => {
  const h2 = document.querySelector('main h2');
  const section = h2 && h2.closest('section');
  const wide = [...document.querySelectorAll('table')]
    .filter(t => !t.closest('details:not([open])') && t.scrollWidth > t.clientWidth + 1)
    .map(t => t.rows[0].innerText.slice(0, 80));
  const page = document.documentElement.scrollWidth > window.innerWidth + 1;
  const out = document.createElement('pre');
  out.id = 'layout-probe';
  out.textContent = 'FIRST=' + (section ? section.id : '') + ';WIDE=' + JSON.stringify(wide) + ';PAGE=' + page + ';';
  document.body.appendChild(out);
});
</script></body>"#;
    let profile = dir.path().join("profile");
    for folder in [&priced, &frames] {
        let html = std::fs::read_to_string(folder.join("report.html")).unwrap();
        let first_h2 = html.find("<h2").unwrap();
        assert!(
            html[..first_h2].ends_with("<section id=\"headline\">"),
            "{folder:?}: the first section is not the decision block"
        );
        let probed = folder.join("probed.html");
        std::fs::write(&probed, html.replacen("</body>", PROBE, 1)).unwrap();
        let url = format!("file://{}", probed.display());
        let out = chromium(
            &exe,
            &profile,
            &[
                "--window-size=1280,2000".into(),
                "--virtual-time-budget=3000".into(),
                "--dump-dom".into(),
                url,
            ],
        );
        let dom = String::from_utf8_lossy(&out.stdout);
        let probe = dom
            .split("<pre id=\"layout-probe\">FIRST=")
            .nth(1)
            .unwrap_or_else(|| panic!("{folder:?}: the probe did not run: {dom:.400}"));
        assert!(probe.starts_with("headline;"), "{folder:?}: {probe:.300}");
        assert!(
            probe.contains("WIDE=[];"),
            "{folder:?}: tables wider than the page: {probe:.600}"
        );
        assert!(probe.contains("PAGE=false;"), "{folder:?}: {probe:.300}");
    }
    // The decisions name what is decided.
    let priced_html = std::fs::read_to_string(priced.join("report.html")).unwrap();
    for text in [
        "1-in-200 net claims (EUR)",
        "Tariff cells under-priced",
        "solved price",
    ] {
        assert!(priced_html.contains(text), "priced report lacks {text:?}");
    }
    let frame_html = std::fs::read_to_string(frames.join("report.html")).unwrap();
    for text in ["required frame (EUR)", "raise by (EUR)", "P(saturation)"] {
        assert!(frame_html.contains(text), "frame report lacks {text:?}");
    }
}
