//! `protectsim`: parse the command line, run the pipeline, print any error chain once.
//! Exit codes: 0 ok, 1 runtime failure, 2 bad input (scenario or command line).

use clap::Parser;
use protectsim::cli::{Cli, Command, UsageError};
use protectsim::commands;
use protectsim::engine::MoneyOverflow;
use protectsim::scenario::ScenarioError;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => commands::run(args),
        Command::Check(args) => commands::check(args),
        Command::Frame(args) => commands::frame(args),
        Command::Merge(args) => commands::merge(args),
        Command::Report(args) => commands::report(args),
        Command::Price(args) => commands::price(args),
        Command::Sweep(args) => commands::sweep(args),
        Command::Completions(args) => commands::completions(args.shell),
        Command::Man(args) => commands::man(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let bad_input = err.chain().any(|e| {
                e.is::<ScenarioError>() || e.is::<UsageError>() || e.is::<MoneyOverflow>()
            });
            let mut shown = err.to_string();
            eprintln!("error: {shown}");
            for cause in err.chain().skip(1) {
                // thiserror messages often embed their source ("cannot read scenario x: No such
                // file"): print a cause only when it adds something.
                let text = cause.to_string();
                if !shown.contains(&text) {
                    eprintln!("  caused by: {text}");
                }
                shown = text;
            }
            let interrupted = err.chain().any(|e| e.is::<commands::Interrupted>());
            ExitCode::from(if bad_input {
                2
            } else if interrupted {
                130
            } else {
                1
            })
        }
    }
}
