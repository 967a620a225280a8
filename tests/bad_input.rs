//! Every kind of bad input gives one line that names the file and what is wrong, and the
//! runner exits with status 2: never a panic, a backtrace or a hang.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use cohort_battle::headless::{HeadlessArgs, parse_args, run_battle};
use common::{ScratchAssets, repo_assets};

/// A scratch copy of the repository's unit files and the duel scenario, to break.
fn copy_of_assets(name: &str) -> ScratchAssets {
    let assets = ScratchAssets::new(name);
    for entry in std::fs::read_dir(repo_assets().join("units")).expect("assets/units") {
        let path = entry.expect("dir entry").path();
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .expect("utf-8 name");
        let text = std::fs::read_to_string(&path).expect("unit file");
        assets.write(&format!("units/{name}"), &text);
    }
    assets
}

fn duel_text() -> String {
    std::fs::read_to_string(repo_assets().join("scenarios/duel.ron")).expect("duel scenario")
}

/// Runs the library runner on `scenario` and returns its one-line error.
fn error_for(scenario: &Path) -> String {
    let args = HeadlessArgs {
        scenario: scenario.to_path_buf(),
        progress: false,
        ..HeadlessArgs::default()
    };
    match run_battle(&args, |_| {}) {
        Ok(report) => panic!("{} should fail, but ran: {report:?}", scenario.display()),
        Err(error) => {
            let line = error.to_string();
            assert!(!line.contains('\n'), "one line, got {line:?}");
            line
        }
    }
}

fn assert_mentions(line: &str, parts: &[&str]) {
    for part in parts {
        assert!(line.contains(part), "{line:?} should mention {part:?}");
    }
}

#[test]
fn broken_scenario_files_name_file_place_and_problem() {
    let assets = copy_of_assets("scenarios");
    let duel = duel_text();
    let file = |name: &str, text: &str| assets.scenario(name, text);
    let cases: Vec<(PathBuf, Vec<&str>)> = vec![
        (
            file("empty", ""),
            vec!["empty.ron: is empty; expected a RON value"],
        ),
        (file("blank", "  \n\t\n"), vec!["blank.ron: is empty"]),
        (
            file("truncated", &duel[..300]),
            vec![
                "truncated.ron:",
                "Unexpected end of RON (is the file cut short?)",
            ],
        ),
        (
            file("malformed", &duel.replace("seed: 11,", "seed: 11,,")),
            vec!["malformed.ron:5:14:", "Expected identifier"],
        ),
        (
            file("json", r#"{"name": "duel", "seed": 11, "teams": []}"#),
            vec!["json.ron:1:1:", "this looks like JSON; cohort reads RON"],
        ),
        (
            file(
                "wrong_type",
                &duel.replace("seed: 11,", "seed: \"eleven\","),
            ),
            vec!["wrong_type.ron:5:10: field `seed`: Expected integer"],
        ),
        (
            file("overflow", &duel.replace("count: 40", "count: 99999999999")),
            vec![
                "overflow.ron:",
                "field `teams[0].units[0].count`: Integer is out of bounds",
            ],
        ),
        (
            file("negative_seed", &duel.replace("seed: 11,", "seed: -11,")),
            vec!["negative_seed.ron:5:", "field `seed`"],
        ),
        (
            file(
                "unknown_field",
                &duel.replace("seed: 11,", "seed: 11, colour: 3,"),
            ),
            vec![
                "unknown_field.ron:5:",
                "field `colour`: Unexpected field named `colour`",
            ],
        ),
        (
            file("unknown_kind", &duel.replace("\"archer\"", "\"knight\"")),
            vec![
                "unknown_kind.ron: field `teams[0].units[1].kind`: unknown unit type \"knight\"",
                "archer, cleric, guardian, mage, soldier",
            ],
        ),
        (
            file(
                "nan_rate",
                &duel.replace("seed: 11,", "seed: 11, tick_rate: NaN,"),
            ),
            vec![
                "nan_rate.ron: field `tick_rate`: must be a finite number from 1 to 1000, got NaN",
            ],
        ),
        (
            file(
                "one_team",
                "(name: \"x\", map: (width: 10.0, height: 10.0), seed: 1, teams: [])",
            ),
            vec!["one_team.ron: field `teams`: needs 2 to 16 teams, got 0"],
        ),
        (
            file(
                "deep_lists",
                &format!(
                    "(name: \"x\", map: (width: 9.0, height: 9.0), seed: 1, teams: {}{})",
                    "[".repeat(100_000),
                    "]".repeat(100_000)
                ),
            ),
            vec!["deep_lists.ron:1:"],
        ),
        (
            file(
                "deep_parens",
                &format!("{}{}", "(".repeat(100_000), ")".repeat(100_000)),
            ),
            vec!["deep_parens.ron:1:"],
        ),
        (
            assets.root.join("scenarios/missing.ron"),
            vec!["missing.ron: cannot read the file: no such file"],
        ),
        (
            assets.root.join("scenarios"),
            vec!["scenarios: is a directory, not a file"],
        ),
    ];
    for (path, parts) in cases {
        let started = Instant::now();
        let line = error_for(&path);
        assert_mentions(&line, &parts);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{line} took too long"
        );
    }
}

#[test]
fn broken_unit_files_name_the_unit_file_and_field() {
    let cases = [
        (
            "armor: 4.0",
            "armor: -3.0",
            "field `armor`: must be a finite number from 0 to 1000000, got -3",
        ),
        (
            "health: 120.0",
            "health: NaN",
            "field `health`: must be a finite number above 0 and at most 1000000, got NaN",
        ),
        (
            "speed: 3.0",
            "speed: inf",
            "field `speed`: must be a finite number from 0 to 10000, got inf",
        ),
        (
            "damage: 14.0",
            "damage: \"lots\"",
            "field `damage`: Expected float",
        ),
        (
            "radius: 0.5",
            "radius: 0.5, mana: 3.0",
            "field `mana`: Unexpected field named `mana`",
        ),
        (
            "radius: 0.5,",
            "",
            "soldier.ron:11:1: Unexpected missing field named `radius`",
        ),
        (
            "ai: \"melee\"",
            "ai: \"berserker\"",
            "field `ai`: no decision maker \"berserker\": ",
        ),
        (
            "ai: \"melee\"",
            "ai: \"../melee\"",
            "field `ai`: \"../melee\" is not a decision maker name",
        ),
    ];
    for (from, to, expected) in cases {
        let assets = copy_of_assets("units");
        let soldier =
            std::fs::read_to_string(assets.root.join("units/soldier.ron")).expect("soldier");
        assert!(soldier.contains(from), "fixture holds {from}");
        assets.unit("soldier", &soldier.replace(from, to));
        let scenario = assets.scenario("duel", &duel_text());
        let line = error_for(&scenario);
        assert_mentions(&line, &["soldier.ron", expected]);
    }
    let assets = copy_of_assets("effects");
    assets.unit(
        "archer",
        &common::unit_ron(
            70.0,
            1.0,
            11.0,
            14.0,
            "on_hit: Some(Slow(factor: 1.5, seconds: 1.0)),",
        ),
    );
    let line = error_for(&assets.scenario("duel", &duel_text()));
    assert_mentions(
        &line,
        &[
            "archer.ron",
            "field `on_hit.factor`: must be a finite number from 0 to 1, got 1.5",
        ],
    );
}

#[test]
fn broken_decision_makers_name_file_line_and_field() {
    let melee = std::fs::read_to_string(repo_assets().join("ai/melee.ai.ron")).expect("melee AI");
    let cases = [
        (
            "(input: \"health\"",
            "(input: \"helth\"",
            "unknown input \"helth\"; this game's agent inputs: health,",
        ),
        (
            "slope: -0.9",
            "slope: NaN",
            "not a finite number; curve parameters and weights must be finite",
        ),
        (
            "name: \"advance\"",
            "nmae: \"advance\"",
            "Unexpected field named `nmae`",
        ),
    ];
    for (from, to, expected) in cases {
        assert!(melee.contains(from), "fixture holds {from}");
        let assets = copy_of_assets("ai");
        assets.write("ai/melee.ai.ron", &melee.replacen(from, to, 1));
        let line = error_for(&assets.scenario("duel", &duel_text()));
        let broken = melee
            .lines()
            .position(|line| line.contains(from))
            .expect("fixture line")
            + 1;
        assert_mentions(&line, &[&format!("melee.ai.ron:{broken}:"), expected]);
    }
    let assets = copy_of_assets("no-options");
    assets.write("ai/melee.ai.ron", "(\n  options: [],\n)");
    let line = error_for(&assets.scenario("duel", &duel_text()));
    assert_mentions(&line, &["melee.ai.ron:2:", "field `options`: no options"]);
}

#[test]
fn bad_options_are_refused() {
    for (line, expected) in [
        ("--units 0", "--units 0: too small; the least is 1"),
        (
            "--units 2000000",
            "--units 2000000: too large; the most is 1000000",
        ),
        ("--threads 0", "--threads 0: too small"),
        ("--ticks -5", "--ticks -5: must not be negative"),
        ("--seed 1.5", "--seed \"1.5\": not a whole number"),
    ] {
        let error = parse_args(line.split(' ').map(String::from)).expect_err(line);
        assert_mentions(&error, &[expected]);
    }
    let args = HeadlessArgs {
        scenario: repo_assets().join("scenarios/melee.ron"),
        units: Some(2),
        progress: false,
        ..HeadlessArgs::default()
    };
    let error = run_battle(&args, |_| {})
        .expect_err("3 teams need 3 units")
        .to_string();
    assert_mentions(
        &error,
        &["--units 2 is out of range: this scenario needs from 3 (one per team)"],
    );
    let args = HeadlessArgs {
        scenario: repo_assets().join("scenarios/duel.ron"),
        report: Some(PathBuf::from("/nonexistent-dir/a.json")),
        ..HeadlessArgs::default()
    };
    let error = run_battle(&args, |_| {})
        .expect_err("no such directory")
        .to_string();
    assert_mentions(
        &error,
        &["--report /nonexistent-dir/a.json: the directory /nonexistent-dir does not exist"],
    );
}

#[test]
fn a_bad_budgets_file_is_refused_before_the_run() {
    let assets = ScratchAssets::new("budgets");
    let budgets = assets.write("budgets.ron", "(phases: {\"Think\": (ms: 1.0)})\n");
    let args = HeadlessArgs {
        scenario: repo_assets().join("scenarios/duel.ron"),
        budgets: budgets.clone(),
        ..HeadlessArgs::default()
    };
    let error = run_battle(&args, |_| {})
        .expect_err("unknown phase")
        .to_string();
    assert_mentions(
        &error,
        &[
            &budgets.display().to_string(),
            "field `phases.Think`",
            "Sense",
        ],
    );
    let args = HeadlessArgs {
        budgets: assets.root.join("missing.ron"),
        ..args
    };
    let error = run_battle(&args, |_| {}).expect_err("no file").to_string();
    assert_mentions(&error, &["missing.ron", "no such file"]);
}

/// The built `headless` example, next to this test binary's folder.
fn headless_binary() -> PathBuf {
    let deps = std::env::current_exe().expect("test binary path");
    let profile_dir = deps
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let binary = profile_dir
        .join("examples")
        .join(format!("headless{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: `cargo test` builds the examples",
        binary.display()
    );
    binary
}

#[test]
fn the_runner_exits_with_status_2_and_one_line() {
    let assets = copy_of_assets("binary");
    let broken = assets.scenario("broken", &duel_text()[..200]);
    let cases: [&[&str]; 4] = [
        &["--scenario", broken.to_str().expect("utf-8 path")],
        &["--scenario", assets.root.to_str().expect("utf-8 path")],
        &["--units", "0"],
        &["--units", "99999999999999999999"],
    ];
    for args in cases {
        let output = Command::new(headless_binary())
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("the runner starts");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(
            stderr.lines().count(),
            1,
            "{args:?}: one line, got {stderr:?}"
        );
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr:?}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("backtrace"),
            "{stderr}"
        );
    }
}

#[test]
#[should_panic(expected = "BattlePlugin adds its own AiPlugin")]
fn a_second_ai_plugin_beside_the_battle_is_named_in_the_panic() {
    use cohort_ai::{AiPlugin, AiSchema};
    let schema = AiSchema::new(&["health"], &[]).expect("fits");
    let mut app = bevy::app::App::new();
    app.add_plugins((bevy::MinimalPlugins, AiPlugin::new(schema)));
    app.add_plugins(cohort_battle::BattlePlugin::new(common::repo_scenario(
        "duel",
    )));
}
