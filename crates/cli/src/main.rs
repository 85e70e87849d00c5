//! `keyflow`: the playground's engine on the command line.
//!
//! Each subcommand lives in its own module and returns an exit code; errors are
//! rendered once, here at the edge.

mod cases;
mod fix;
mod import;
mod lint;
mod scenarios;
mod who_can;

use std::process::ExitCode;

const USAGE: &str = "\
keyflow — AWS policy playground, on the command line

USAGE:
    keyflow cases [--explain] FILE     run request/decision cases, one JSON line each
                                       (case format: keyflow cases --help)
    keyflow lint [--format json] FILE… validate and lint policy documents
    keyflow scenarios                  list the built-in scenarios
    keyflow run SCENARIO [--json] [--check] [--explain]
                                       run a scenario's flows (file, builtin:NAME or share URL);
                                       --explain adds each check's id and deciding statements
                                       with their line:column
    keyflow share SCENARIO [--base URL] print a share URL for a scenario
    keyflow diff BEFORE AFTER [--json] steps whose outcome changed between two scenarios
    keyflow fix SCENARIO [--step FLOW/STEP] [--write OUT] [--json]
                                       least-privilege repairs for failing steps, each
                                       verified by re-running; --write saves the scenario
                                       with the best one applied to every step no
                                       expectation expects to fail
    keyflow who-can SCENARIO ACTION [RESOURCE] [--json]
                                       who can do ACTION (kms:… or s3:…) on every key or
                                       bucket, or on RESOURCE, and under which conditions
    keyflow import FILE… [--account ID] [--region R] [--json]
                                       a scenario from CloudFormation/CDK templates,
                                       Terraform plans and IAM authorization details
    keyflow --version
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match command.as_str() {
        "cases" => cases::run(rest),
        "lint" => lint::run(rest),
        "scenarios" => scenarios::list(rest),
        "run" => scenarios::run(rest),
        "share" => scenarios::share(rest),
        "diff" => scenarios::diff(rest),
        "fix" => fix::run(rest),
        "who-can" => who_can::run(rest),
        "import" => import::run(rest),
        "--version" | "-V" => {
            println!("keyflow {}", keyflow_policy::VERSION);
            Ok(ExitCode::SUCCESS)
        }
        "--help" | "-h" | "help" => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("keyflow: {message}");
            ExitCode::from(2)
        }
    }
}
