//! `Warning` response headers (RFC 7234 code 299), as the apiserver sends them for deprecated
//! APIs and questionable field values (client-go `rest.WarningHandler`).

use std::collections::HashSet;
use std::sync::Mutex;

/// Receives each warning the server sends.
pub trait WarningHandler: Send + Sync + std::fmt::Debug {
    /// Called once per `Warning: 299 - "text"` header of a response.
    fn handle_warning(&self, text: &str);
}

/// The default: log each distinct warning once through `tracing` (client-go's
/// `WarningLoggerWithDeduplication`… minus the global state: one set per client).
#[derive(Debug, Default)]
pub struct DedupLogWarnings {
    seen: Mutex<HashSet<String>>,
}

impl WarningHandler for DedupLogWarnings {
    fn handle_warning(&self, text: &str) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.insert(text.to_string()) {
            tracing::warn!(warning = text, "apiserver warning");
        }
    }
}

/// Parses one `Warning` header value into its texts. Only code 299 counts (others are ignored,
/// as client-go does); the agent is `-` or a host; the text is a quoted string with `\` escapes;
/// an optional quoted date may follow. Several warnings may share one header, comma-separated.
pub fn parse_warning_header(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = value.trim();
    while !rest.is_empty() {
        let Some((code, after_code)) = rest.split_once(' ') else {
            break;
        };
        let Some((_agent, after_agent)) = after_code.trim_start().split_once(' ') else {
            break;
        };
        let Some((text, after_text)) = quoted(after_agent.trim_start()) else {
            break;
        };
        if code.trim() == "299" {
            out.push(text);
        }
        rest = after_text.trim_start();
        // An optional date: `"Wed, 21 Oct 2015 07:28:00 GMT"`.
        if rest.starts_with('"') {
            match quoted(rest) {
                Some((_, after_date)) => rest = after_date.trim_start(),
                None => break,
            }
        }
        match rest.strip_prefix(',') {
            Some(r) => rest = r.trim_start(),
            None => break,
        }
    }
    out
}

/// A quoted string at the start of `s`: its unescaped text and the rest after the closing quote.
fn quoted(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('"')?;
    let mut text = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => text.push(chars.next()?.1),
            '"' => return Some((text, &body[i + 1..])),
            c => text.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_apiserver_warnings() {
        assert_eq!(
            parse_warning_header(r#"299 - "policy/v1beta1 PodSecurityPolicy is deprecated""#),
            vec!["policy/v1beta1 PodSecurityPolicy is deprecated"]
        );
        assert_eq!(
            parse_warning_header(
                r#"299 - "a \"quoted\" word", 299 - "second" "Wed, 21 Oct 2015 07:28:00 GMT""#
            ),
            vec![r#"a "quoted" word"#, "second"]
        );
        // Other codes are ignored; garbage yields nothing and never panics.
        assert!(parse_warning_header(r#"199 - "misc""#).is_empty());
        assert!(parse_warning_header(r#"299 - "unterminated"#).is_empty());
        assert!(parse_warning_header("").is_empty());
    }

    #[test]
    fn dedup_handler_remembers_texts() {
        let h = DedupLogWarnings::default();
        h.handle_warning("x");
        h.handle_warning("x");
        h.handle_warning("y");
        assert_eq!(h.seen.lock().unwrap().len(), 2);
    }
}
