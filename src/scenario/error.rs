//! Scenario errors as the user reads them:
//! `scenarios/x.toml:14:31: companies[0].shops[0].basket.sigma = 0: must be a finite number
//! greater than 0`.

use super::locate::{self, Position};
use super::validate::Issue;
use std::fmt;

/// One issue with its position in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct LocatedIssue {
    pub position: Option<Position>,
    pub issue: Issue,
}

/// Why a scenario could not be used. Always a mistake in the input (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read scenario {file}: {source}")]
    Io { file: String, source: std::io::Error },
    #[error("{}", render(file, issues))]
    Invalid { file: String, issues: Vec<LocatedIssue> },
}

fn render(file: &str, issues: &[LocatedIssue]) -> String {
    let mut out = String::new();
    let n = issues.len();
    if n > 1 {
        out.push_str(&format!("{n} problems in scenario {file}:\n"));
    }
    for (i, li) in issues.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&li.to_string_in(file));
    }
    out
}

impl LocatedIssue {
    fn to_string_in(&self, file: &str) -> String {
        let at = match self.position {
            Some(p) => format!("{file}:{}:{}", p.line, p.column),
            None => file.to_string(),
        };
        let path = if self.issue.path.is_empty() { "(top level)" } else { &self.issue.path };
        match &self.issue.value {
            Some(v) => format!("{at}: {path} = {v}: {}", self.issue.rule),
            None => format!("{at}: {path}: {}", self.issue.rule),
        }
    }
}

impl fmt::Display for LocatedIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_in("scenario"))
    }
}

/// Extracts the name between the first pair of backticks of a serde message
/// ("unknown field `colour`, expected one of ...").
fn backticked(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

impl ScenarioError {
    pub(super) fn invalid(text: &str, file: &str, issues: Vec<Issue>) -> ScenarioError {
        let issues = issues
            .into_iter()
            .map(|issue| LocatedIssue { position: locate::locate(text, &issue.path), issue })
            .collect();
        ScenarioError::Invalid { file: file.to_string(), issues }
    }

    /// A TOML syntax error or a serde error (unknown field, missing field, wrong type), with
    /// the field path recovered from its span.
    pub(super) fn from_toml(text: &str, file: &str, e: &toml::de::Error) -> ScenarioError {
        let message = e.message().trim().to_string();
        let span = e.span();
        let position = span.as_ref().map(|s| locate::position_of(text, s.start));
        let path = span.map(|s| locate::path_at(text, s)).unwrap_or_default();
        let rule = if message.starts_with("missing field") {
            let field = backticked(&message).unwrap_or("?");
            format!("missing field `{field}`: add `{field} = ...` here (see the README's scenario format)")
        } else if message.starts_with("unknown field") || message.starts_with("unknown variant") {
            format!("{message} (check the spelling)")
        } else {
            message
        };
        ScenarioError::Invalid {
            file: file.to_string(),
            issues: vec![LocatedIssue { position, issue: Issue { path, value: None, rule } }],
        }
    }

    /// The issues, for tests and tools.
    pub fn issues(&self) -> &[LocatedIssue] {
        match self {
            ScenarioError::Invalid { issues, .. } => issues,
            ScenarioError::Io { .. } => &[],
        }
    }
}
