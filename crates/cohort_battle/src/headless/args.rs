//! Command-line options of the headless runner.

use std::path::PathBuf;
use std::str::FromStr;

use crate::data::MAX_UNITS;

/// The help text.
pub const USAGE: &str = "\
Runs a cohort battle without a window, as fast as the machine allows.

Usage: headless [OPTIONS]

Options:
  --scenario PATH   scenario file [default: assets/scenarios/skirmish.ron]
  --units N         scale the scenario to N units in all (up to 1000000, one per team at least)
  --ticks N         end the battle after N ticks at the latest
  --threads N       threads that run systems and par_iter [default: one per core]
  --seed N          seed of the battle's randomness [default: the scenario's]
  --report PATH     write a JSON report to PATH
  --csv PATH        write the per-system table as CSV to PATH, and the per-frame
                    series next to it (PATH with .frames.csv)
  --budgets PATH    time and allocation budgets [default: assets/budgets.ron]
  --no-progress     never draw the progress bar
  -h, --help        print this help
";

/// The budgets file the runner reads when `--budgets` is not given (if it exists).
pub const DEFAULT_BUDGETS: &str = "assets/budgets.ron";

/// The most threads the runner accepts.
const MAX_THREADS: u64 = 1024;
/// The longest run the runner accepts, in ticks.
const MAX_TICKS: u64 = 100_000_000;

/// The runner's options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadlessArgs {
    /// Scenario file.
    pub scenario: PathBuf,
    /// Scale the scenario to this many units.
    pub units: Option<u64>,
    /// Tick limit, replacing the scenario's.
    pub ticks: Option<u64>,
    /// Threads in Bevy's compute task pool.
    pub threads: Option<usize>,
    /// Seed, replacing the scenario's.
    pub seed: Option<u64>,
    /// Where to write the JSON report.
    pub report: Option<PathBuf>,
    /// Where to write the per-system CSV (the per-frame CSV goes beside it).
    pub csv: Option<PathBuf>,
    /// The budgets file; a missing default file means no budgets.
    pub budgets: PathBuf,
    /// Draw a progress bar when the output is a terminal.
    pub progress: bool,
}

impl Default for HeadlessArgs {
    fn default() -> Self {
        Self {
            scenario: PathBuf::from("assets/scenarios/skirmish.ron"),
            units: None,
            ticks: None,
            threads: None,
            seed: None,
            report: None,
            csv: None,
            budgets: PathBuf::from(DEFAULT_BUDGETS),
            progress: true,
        }
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run a battle.
    Run(HeadlessArgs),
    /// Print [`USAGE`].
    Help,
}

/// Parses the runner's options (without the program name). The error is one line.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut parsed = HeadlessArgs::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_string(), Some(value.to_string()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .filter(|value| !value.is_empty())
                .ok_or_else(|| format!("{name} needs a value; see --help"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--no-progress" => parsed.progress = false,
            "--scenario" => parsed.scenario = PathBuf::from(value("--scenario")?),
            "--report" => parsed.report = Some(PathBuf::from(value("--report")?)),
            "--csv" => parsed.csv = Some(PathBuf::from(value("--csv")?)),
            "--budgets" => parsed.budgets = PathBuf::from(value("--budgets")?),
            "--units" => parsed.units = Some(number("--units", &value("--units")?, 1, MAX_UNITS)?),
            "--ticks" => parsed.ticks = Some(number("--ticks", &value("--ticks")?, 1, MAX_TICKS)?),
            "--threads" => {
                let threads = number("--threads", &value("--threads")?, 1, MAX_THREADS)?;
                parsed.threads = Some(threads as usize);
            }
            "--seed" => parsed.seed = Some(number("--seed", &value("--seed")?, 0, u64::MAX)?),
            other => return Err(format!("unknown option {other:?}; see --help")),
        }
    }
    Ok(Command::Run(parsed))
}

fn number(flag: &str, text: &str, min: u64, max: u64) -> Result<u64, String> {
    let value = u64::from_str(text.trim()).map_err(|error| {
        use std::num::IntErrorKind;
        match error.kind() {
            IntErrorKind::PosOverflow => format!("{flag} {text}: too large; the most is {max}"),
            _ if text.trim_start().starts_with('-') => {
                format!("{flag} {text}: must not be negative; the least is {min}")
            }
            _ => format!("{flag} {text:?}: not a whole number"),
        }
    })?;
    if value < min {
        return Err(format!("{flag} {value}: too small; the least is {min}"));
    }
    if value > max {
        return Err(format!("{flag} {value}: too large; the most is {max}"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Command, String> {
        parse_args(line.split_whitespace().map(String::from))
    }

    #[test]
    fn parses_every_option() {
        let Ok(Command::Run(args)) = parse(
            "--scenario s.ron --units 10000 --ticks=600 --threads 2 --seed 9 --report a.json --no-progress",
        ) else {
            panic!("should parse");
        };
        assert_eq!(args.scenario, PathBuf::from("s.ron"));
        assert_eq!(args.units, Some(10_000));
        assert_eq!(args.ticks, Some(600));
        assert_eq!(args.threads, Some(2));
        assert_eq!(args.seed, Some(9));
        assert_eq!(args.report, Some(PathBuf::from("a.json")));
        assert!(!args.progress);
        assert_eq!(parse(""), Ok(Command::Run(HeadlessArgs::default())));
        assert_eq!(parse("--ticks 5 --help"), Ok(Command::Help));
    }

    #[test]
    fn bad_options_say_what_is_wrong() {
        let cases = [
            ("--units 0", "--units 0: too small; the least is 1"),
            (
                "--units 5000000",
                "--units 5000000: too large; the most is 1000000",
            ),
            (
                "--units 99999999999999999999999",
                "--units 99999999999999999999999: too large; the most is 1000000",
            ),
            (
                "--units -3",
                "--units -3: must not be negative; the least is 1",
            ),
            ("--units ten", "--units \"ten\": not a whole number"),
            ("--threads 0", "--threads 0: too small; the least is 1"),
            ("--units", "--units needs a value; see --help"),
            ("--units=", "--units needs a value; see --help"),
            (
                "--frobnicate",
                "unknown option \"--frobnicate\"; see --help",
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(parse(line), Err(expected.to_string()), "{line}");
        }
    }
}
