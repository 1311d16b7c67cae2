//! `protectsim completions SHELL` and `protectsim man`: the command line described for shells
//! and for `man`, generated from the same clap definitions the parser uses.

use super::emit;
use crate::cli::{Cli, ManArgs};
use anyhow::{Context, Result};
use clap::CommandFactory;

/// Prints the completion script of `shell` for every subcommand and option.
pub fn completions(shell: clap_complete::Shell) -> Result<()> {
    let mut command = Cli::command();
    let mut buffer: Vec<u8> = Vec::new();
    clap_complete::generate(shell, &mut command, "protectsim", &mut buffer);
    emit(&String::from_utf8_lossy(&buffer))
}

/// Prints the manual page `protectsim(1)` in roff (synopsis, options, the list of commands),
/// or with `--out DIR` writes it and one page per command (`protectsim-run.1`, ...) there.
pub fn man(args: &ManArgs) -> Result<()> {
    let command = Cli::command();
    let Some(dir) = &args.out else {
        return emit(&String::from_utf8_lossy(&render(command)?));
    };
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create folder {}", dir.display()))?;
    let mut pages = vec![("protectsim.1".to_string(), render(command.clone())?)];
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        // clap names are `&'static str` without its `string` feature; a handful of short
        // names for a command that prints and exits.
        let name: &'static str =
            Box::leak(format!("protectsim-{}", sub.get_name()).into_boxed_str());
        let bin: &'static str = Box::leak(name.replace('-', " ").into_boxed_str());
        let page = sub.clone().name(name).bin_name(bin);
        pages.push((format!("{name}.1"), render(page)?));
    }
    let mut text = String::new();
    for (file, bytes) in &pages {
        let path = dir.join(file);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        text.push_str(&format!("{}\n", path.display()));
    }
    emit(&text)
}

fn render(command: clap::Command) -> Result<Vec<u8>> {
    let mut buffer: Vec<u8> = Vec::new();
    clap_mangen::Man::new(command).render(&mut buffer)?;
    Ok(buffer)
}
