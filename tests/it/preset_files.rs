//! User folders are read safely (`src/preset/files.rs`), on the real binary: a link is followed only to
//! a regular file inside the same preset folder, a FIFO, socket or device is never opened, and
//! file size, entry count and depth are capped — each refusal a clear error naming the path,
//! that breaks only the preset it is in. Style folders follow the same rules. A preset from
//! `./presets` or `IMGPROMPT_PRESETS` that hides a built-in one is a warning, once.
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::cli;

/// The longest any command here may take before the test calls it a hang.
const HANG: Duration = Duration::from_secs(20);

/// A fresh folder under the temp dir, removed when dropped.
struct Temp(PathBuf);

impl Temp {
    fn new(name: &str) -> Temp {
        let dir = std::env::temp_dir().join(format!(
            "imgprompt-preset-files-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Temp(dir)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(&path, text).expect("write");
        path
    }

    /// A preset folder `presets/<name>` with a manifest and a `prompt.tera`.
    fn preset(&self, name: &str, extra_manifest: &str, template: &str) -> PathBuf {
        self.write(
            &format!("presets/{name}/preset.yaml"),
            &format!("name: {name}\ndescription: a test preset\n{extra_manifest}"),
        );
        self.write(&format!("presets/{name}/prompt.tera"), template);
        self.0.join("presets").join(name)
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `cmd`; a command still running after [`HANG`] is killed and fails the test.
fn run_within(cmd: &mut Command) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = r.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} still running after {HANG:?}: it hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: stdout.join().expect("stdout"),
        stderr: stderr.join().expect("stderr"),
    }
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `presets list` of a search folder: (exit code, stdout, stderr).
fn list(presets: &Path) -> (Option<i32>, String, String) {
    let out = run_within(
        cli()
            .arg("--presets")
            .arg(presets)
            .args(["presets", "list"]),
    );
    let (stdout, stderr) = text(&out);
    (out.status.code(), stdout, stderr)
}

/// The `presets list` line of `name`.
fn line<'a>(listing: &'a str, name: &str) -> &'a str {
    listing
        .lines()
        .find(|l| l.starts_with(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no `{name}` in:\n{listing}"))
}

fn mkfifo(path: &Path) -> bool {
    Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success())
}

/// A link loop, a link to a device and a FIFO in preset folders: every command still answers at
/// once, the presets holding them are broken with the path named, the others work.
#[cfg(unix)]
#[test]
fn link_loops_devices_and_fifos_never_hang_a_command() {
    use std::os::unix::fs::symlink;
    let t = Temp::new("hang");
    let looped = t.preset("looped", "", "{{ subject }}");
    symlink(".", looped.join("a")).expect("link");
    symlink(".", looped.join("b")).expect("link");
    let zero = t.preset("zero", "", "{{ subject }}");
    symlink("/dev/zero", zero.join("z.tera")).expect("link");
    let fifo = t.preset("fifo", "", "{{ subject }}");
    if !mkfifo(&fifo.join("extra.tera")) {
        std::fs::remove_dir_all(&fifo).expect("no mkfifo here: drop that case");
    }
    t.preset("fine", "", "FINE {{ subject }}");
    let presets = t.0.join("presets");

    let (code, stdout, stderr) = list(&presets);
    assert_eq!(code, Some(0), "{stderr}");
    let l = line(&stdout, "looped");
    assert!(
        l.contains("BROKEN") && l.contains("looped/a") && l.contains("symbolic link"),
        "{l}"
    );
    let l = line(&stdout, "zero");
    assert!(
        l.contains("BROKEN") && l.contains("z.tera") && l.contains("/dev/zero"),
        "{l}"
    );
    if fifo.exists() {
        let l = line(&stdout, "fifo");
        assert!(
            l.contains("BROKEN") && l.contains("extra.tera") && l.contains("FIFO"),
            "{l}"
        );
    }
    assert!(!line(&stdout, "fine").contains("BROKEN"));

    for args in [
        &["models"][..],
        &[
            "render",
            "examples/poster-future-forms.yaml",
            "--emit",
            "prompt",
        ],
    ] {
        let out = run_within(cli().arg("--presets").arg(&presets).args(args));
        assert!(out.status.success(), "{args:?}: {}", text(&out).1);
    }
    let brief = t.write("fine.yaml", "preset: fine\nsubject: a cat\n");
    let out = run_within(
        cli()
            .arg("--presets")
            .arg(&presets)
            .args(["render", "--emit", "prompt"])
            .arg(&brief),
    );
    assert!(text(&out).0.contains("FINE a cat"), "{}", text(&out).1);
    let brief = t.write("looped.yaml", "preset: looped\nsubject: a cat\n");
    let out = run_within(
        cli()
            .arg("--presets")
            .arg(&presets)
            .arg("render")
            .arg(&brief),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).1.contains("refused-file"), "{}", text(&out).1);
}

/// A link out of the preset folder — an example, an included template — is refused: its target
/// is never printed by `presets show`, served by `serve`, or put in a prompt. A link to a file
/// inside the folder works.
#[cfg(unix)]
#[test]
fn a_link_out_of_the_preset_folder_is_never_read() {
    use std::os::unix::fs::symlink;
    const SECRET: &str = "TOP-SECRET-LINE root:x:0:0";
    let t = Temp::new("leak");
    let secret = t.write("outside/secret.txt", SECRET);
    let leak = t.preset("leak", "example: example.yaml\n", "{{ subject }}");
    symlink(&secret, leak.join("example.yaml")).expect("link");
    let inc = t.preset(
        "inc",
        "",
        "Create {{ subject }}. {% include \"inc/part.tera\" %}",
    );
    symlink(&secret, inc.join("part.tera")).expect("link");
    let alias = t.preset("alias", "template: prompt.tera\n", "");
    std::fs::remove_file(alias.join("prompt.tera")).expect("rm");
    std::fs::write(alias.join("main.tera"), "ALIAS {{ subject }}").expect("write");
    symlink("main.tera", alias.join("prompt.tera")).expect("link");
    let presets = t.0.join("presets");

    let show = run_within(
        cli()
            .arg("--presets")
            .arg(&presets)
            .args(["presets", "show", "leak"]),
    );
    let (stdout, stderr) = text(&show);
    assert_eq!(show.status.code(), Some(1), "{stdout}{stderr}");
    assert!(!stdout.contains("TOP-SECRET") && !stderr.contains("TOP-SECRET"));
    assert!(
        stderr.contains("leak/example.yaml") && stderr.contains("outside"),
        "{stderr}"
    );

    let brief = t.write("inc.yaml", "preset: inc\nsubject: a cat\n");
    let render = run_within(
        cli()
            .arg("--presets")
            .arg(&presets)
            .args(["render", "--emit", "prompt"])
            .arg(&brief),
    );
    let (stdout, stderr) = text(&render);
    assert_eq!(render.status.code(), Some(1), "{stdout}");
    assert!(!stdout.contains("TOP-SECRET") && !stderr.contains("TOP-SECRET"));
    assert!(stderr.contains("inc/part.tera"), "{stderr}");

    let brief = t.write("alias.yaml", "preset: alias\nsubject: a cat\n");
    let render = run_within(
        cli()
            .arg("--presets")
            .arg(&presets)
            .args(["render", "--emit", "prompt"])
            .arg(&brief),
    );
    assert!(
        text(&render).0.contains("ALIAS a cat"),
        "{}",
        text(&render).1
    );

    let presets_arg = presets.display().to_string();
    let server = crate::serve::Server::start_with(&["--presets", &presets_arg]);
    let (status, body) = server.call("GET", "/api/presets/leak", b"");
    let body = String::from_utf8_lossy(&body);
    assert_eq!(status, 404, "{body}");
    assert!(!body.contains("TOP-SECRET"), "{body}");
    let (status, body) = server.call("GET", "/api/presets", b"");
    assert_eq!(status, 200);
    assert!(!String::from_utf8_lossy(&body).contains("TOP-SECRET"));
}

/// Size, entry count and depth are capped: 1 MiB per file, 1,000 entries per preset folder,
/// folders 8 deep; each over is an error naming the path and the limit.
#[test]
fn caps_on_size_count_and_depth_name_path_and_limit() {
    let t = Temp::new("caps");
    let big = t.preset("big", "", "{{ subject }}");
    std::fs::write(big.join("big.tera"), "x".repeat((1 << 20) + 1)).expect("write");
    let many = t.preset("many", "", "{{ subject }}");
    for i in 0..1000 {
        std::fs::write(many.join(format!("part{i:04}.tera")), "x").expect("write");
    }
    t.preset("deep", "", "{{ subject }}");
    t.write("presets/deep/1/2/3/4/5/6/7/8/9/x.tera", "x");
    t.preset("eight", "", "{{ subject }}");
    t.write("presets/eight/1/2/3/4/5/6/7/8/x.tera", "x");
    let presets = t.0.join("presets");

    let (code, stdout, stderr) = list(&presets);
    assert_eq!(code, Some(0), "{stderr}");
    let l = line(&stdout, "big");
    assert!(
        l.contains("big.tera") && l.contains("1048577 bytes") && l.contains("1 MiB"),
        "{l}"
    );
    let l = line(&stdout, "many");
    assert!(
        l.contains("BROKEN") && l.contains("more than 1000 entries"),
        "{l}"
    );
    let l = line(&stdout, "deep");
    assert!(
        l.contains("1/2/3/4/5/6/7/8/9") && l.contains("more than 8 folders deep"),
        "{l}"
    );
    assert!(
        !line(&stdout, "eight").contains("BROKEN"),
        "8 deep is allowed"
    );
}

/// Style folders: a link out of the folder and a FIFO named `*.json` are refused, unread.
#[cfg(unix)]
#[test]
fn style_folders_follow_the_same_rules() {
    use std::os::unix::fs::symlink;
    let t = Temp::new("styles");
    let secret = t.write("outside/secret.json", "TOP-SECRET-STYLES");
    std::fs::create_dir_all(t.0.join("linked")).expect("dir");
    symlink(&secret, t.0.join("linked/pack.json")).expect("link");
    let out = run_within(
        cli()
            .arg("--styles")
            .arg(t.0.join("linked"))
            .args(["styles", "list"]),
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stderr.contains("pack.json") && stderr.contains("symbolic link"),
        "{stderr}"
    );
    assert!(!stderr.contains("TOP-SECRET") && !stdout.contains("TOP-SECRET"));

    std::fs::create_dir_all(t.0.join("piped")).expect("dir");
    if mkfifo(&t.0.join("piped/pack.json")) {
        let out = run_within(
            cli()
                .arg("--styles")
                .arg(t.0.join("piped"))
                .args(["styles", "list"]),
        );
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out).1.contains("FIFO"), "{}", text(&out).1);
    }
}

/// `imgprompt test` lists fixtures the same way: a fixture linked out of its folder is an error,
/// and its target is not shown.
#[cfg(unix)]
#[test]
fn a_fixture_linked_out_of_its_folder_is_refused() {
    use std::os::unix::fs::symlink;
    let t = Temp::new("fixtures");
    let secret = t.write("outside/secret.yaml", "subject: TOP-SECRET\n");
    let p = t.preset("fix", "", "{{ subject }}");
    std::fs::create_dir_all(p.join("fixtures")).expect("dir");
    symlink(&secret, p.join("fixtures/leak.yaml")).expect("link");
    let out = run_within(cli().arg("test").arg(&p));
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("fixtures/leak.yaml") && stderr.contains("symbolic link"),
        "{stderr}"
    );
    assert!(!stdout.contains("TOP-SECRET") && !stderr.contains("TOP-SECRET"));
}

/// A `./presets` folder that replaces a built-in preset says so on stderr, once, naming the
/// folder, the built-in and the way to silence it; naming the folder with `--presets` does.
/// Through `IMGPROMPT_PRESETS` it warns too.
#[test]
fn a_local_preset_hiding_a_built_in_one_is_a_warning() {
    let t = Temp::new("shadow");
    t.preset("basic", "", "HIJACKED {{ subject }}");
    let brief = t.write("brief.yaml", "subject: a cat\n");
    let run = |cwd: &Path, args: &[&str], env: Option<&Path>| {
        let mut cmd = cli();
        cmd.current_dir(cwd).args(args).arg(&brief);
        if let Some(dir) = env {
            cmd.env("IMGPROMPT_PRESETS", dir);
        }
        let out = run_within(&mut cmd);
        assert!(out.status.success(), "{}", text(&out).1);
        text(&out)
    };
    let (stdout, stderr) = run(&t.0, &["render", "--emit", "prompt"], None);
    assert!(stdout.contains("HIJACKED a cat"), "{stdout}");
    assert_eq!(stderr.matches("shadows-built-in").count(), 1, "{stderr}");
    assert!(
        stderr.contains("`presets/basic`")
            && stderr.contains("built-in preset `basic`")
            && stderr.contains("--presets ./presets"),
        "{stderr}"
    );

    let (stdout, stderr) = run(
        &t.0,
        &["--presets", "./presets", "render", "--emit", "prompt"],
        None,
    );
    assert!(stdout.contains("HIJACKED a cat"), "{stdout}");
    assert!(!stderr.contains("shadows-built-in"), "{stderr}");

    let elsewhere = t.0.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).expect("dir");
    let presets = t.0.join("presets");
    let (stdout, stderr) = run(&elsewhere, &["render", "--emit", "prompt"], Some(&presets));
    assert!(stdout.contains("HIJACKED a cat"), "{stdout}");
    assert_eq!(stderr.matches("shadows-built-in").count(), 1, "{stderr}");
    assert!(stderr.contains("IMGPROMPT_PRESETS"), "{stderr}");

    // a built-in name left alone: no warning
    std::fs::remove_dir_all(&presets).expect("rm");
    t.preset("mine", "", "MINE {{ subject }}");
    let (_, stderr) = run(&t.0, &["render", "--emit", "prompt"], None);
    assert!(!stderr.contains("shadows-built-in"), "{stderr}");
}
