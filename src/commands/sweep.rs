pub fn sweep(_a: &crate::cli::SweepArgs) -> anyhow::Result<()> {
    Ok(())
}
