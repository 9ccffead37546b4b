//! Names (wire name → Rust field name, keywords) and description → rustdoc text.

/// Rust keywords (strict, reserved and the 2024 edition's `gen`); a field named like one gets a
/// trailing underscore (`type` → `type_`).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// The snake_case Rust field name of a JSON property name.
///
/// Word boundaries: lower/digit → upper (`podIP` → `pod_ip`), and the last upper of an upper
/// run followed by lower (`HTTPGet` → `http_get`) — except a plural acronym, where a trailing
/// lowercase `s` closes the run (`podIPs` → `pod_ips`, `podCIDRs` → `pod_cidrs`). Characters
/// other than ASCII letters and digits separate words (`x-kubernetes-list-type`, `$ref`).
/// A keyword gets a trailing `_`.
pub fn field_name(wire: &str) -> String {
    let chars: Vec<char> = wire.chars().collect();
    let mut out = String::with_capacity(wire.len() + 4);
    let push_sep = |out: &mut String| {
        if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if !c.is_ascii_alphanumeric() {
            push_sep(&mut out);
            i += 1;
            continue;
        }
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            let prev_lower = prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit());
            let prev_upper = prev.is_some_and(|p| p.is_ascii_uppercase());
            let next_lower = next.is_some_and(|n| n.is_ascii_lowercase());
            // "IPs" at a word end: the `s` belongs to the acronym.
            let plural_acronym = next == Some('s')
                && prev_upper
                && chars.get(i + 2).is_none_or(|n| !n.is_ascii_lowercase());
            if prev_lower || (prev_upper && next_lower && !plural_acronym) {
                push_sep(&mut out);
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
        i += 1;
    }
    let trimmed = out.trim_matches('_');
    let mut name = if trimmed.is_empty() {
        "field".to_string()
    } else {
        trimmed.to_string()
    };
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if KEYWORDS.contains(&name.as_str()) {
        name.push('_');
    }
    name
}

/// A Rust type name from a schema or CRD name: kept as Kubernetes spells it (`APIService`,
/// `CSIDriver`), with characters outside `[A-Za-z0-9_]` dropped and the next letter uppercased.
pub fn type_name(name: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(if upper { c.to_ascii_uppercase() } else { c });
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// A module name from a group or version segment (`apiextensions`, `v1beta1`).
pub fn module_name(segment: &str) -> String {
    field_name(segment)
}

/// The rustdoc lines (each to become one `///` line) of an OpenAPI description.
///
/// The descriptions are Go comments, not Markdown written for rustdoc, so:
/// - square brackets and `<`/`>` outside code spans are escaped (no broken intra-doc links, no
///   stray HTML tags);
/// - bare `http(s)://` URLs become `<…>` autolinks (rustdoc's `bare_urls` lint);
/// - indented lines (which Markdown would take as a Rust code block, i.e. a doctest) and fenced
///   blocks are emitted as ```` ```text ```` blocks;
/// - a paragraph with an odd number of backticks gets them escaped.
pub fn doc_lines(description: &str) -> Vec<String> {
    let text = description.replace("\r\n", "\n").replace('\t', "    ");
    let mut out: Vec<String> = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut code: Vec<&str> = Vec::new();
    let mut in_fence = false;

    let flush_paragraph = |paragraph: &mut Vec<&str>, out: &mut Vec<String>| {
        if paragraph.is_empty() {
            return;
        }
        let joined = paragraph.join("\n");
        let escape_ticks = joined.matches('`').count() % 2 == 1;
        for line in escape_inline(&joined, escape_ticks).split('\n') {
            out.push(line.trim_end().to_string());
        }
        paragraph.clear();
    };
    let flush_code = |code: &mut Vec<&str>, out: &mut Vec<String>| {
        if code.is_empty() {
            return;
        }
        let indent = code
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start().len())
            .min()
            .unwrap_or(0);
        out.push("```text".to_string());
        for l in code.iter() {
            out.push(l.get(indent..).unwrap_or("").trim_end().to_string());
        }
        out.push("```".to_string());
        code.clear();
    };

    for line in text.split('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            flush_paragraph(&mut paragraph, &mut out);
            flush_code(&mut code, &mut out);
            out.push(if in_fence {
                "```".to_string()
            } else {
                "```text".to_string()
            });
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(line.trim_end().to_string());
            continue;
        }
        let indent = line.len() - trimmed.len();
        if trimmed.is_empty() {
            flush_paragraph(&mut paragraph, &mut out);
            // A blank line inside an indented block stays in it.
            if !code.is_empty() {
                code.push("");
            } else if out.last().is_some_and(|l| !l.is_empty()) {
                out.push(String::new());
            }
        } else if indent >= 4 {
            flush_paragraph(&mut paragraph, &mut out);
            code.push(line);
        } else {
            if !code.is_empty() {
                // Trailing blank lines of the block belong outside it.
                while code.last().is_some_and(|l| l.is_empty()) {
                    code.pop();
                }
                flush_code(&mut code, &mut out);
                out.push(String::new());
            }
            paragraph.push(trimmed);
        }
    }
    flush_paragraph(&mut paragraph, &mut out);
    while code.last().is_some_and(|l| l.is_empty()) {
        code.pop();
    }
    flush_code(&mut code, &mut out);
    if in_fence {
        out.push("```".to_string());
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    while out.first().is_some_and(|l| l.is_empty()) {
        out.remove(0);
    }
    out
}

/// Escapes Markdown-significant characters outside code spans and turns bare URLs into
/// autolinks.
fn escape_inline(text: &str, escape_ticks: bool) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_code = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            if escape_ticks {
                out.push_str("\\`");
            } else {
                in_code = !in_code;
                out.push('`');
            }
            rest = &rest[1..];
            continue;
        }
        if in_code {
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        if rest.starts_with("http://") || rest.starts_with("https://") {
            let end = rest
                .find(|ch: char| ch.is_whitespace() || matches!(ch, '<' | '>' | '`' | '"'))
                .unwrap_or(rest.len());
            let mut url = &rest[..end];
            // Closing punctuation is part of the sentence, not of the URL; a `)` only when the
            // URL has no matching `(`.
            loop {
                let trimmed = url.trim_end_matches(['.', ',', ';', ':', '\'', ']', '!', '?']);
                let trimmed = if trimmed.ends_with(')')
                    && trimmed.matches('(').count() < trimmed.matches(')').count()
                {
                    &trimmed[..trimmed.len() - 1]
                } else {
                    trimmed
                };
                if trimmed.len() == url.len() {
                    break;
                }
                url = trimmed;
            }
            out.push('<');
            out.push_str(url);
            out.push('>');
            rest = &rest[url.len()..];
            continue;
        }
        match c {
            '[' | ']' | '<' | '>' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_follow_kubernetes_camel_case() {
        let cases = [
            ("apiVersion", "api_version"),
            ("metadata", "metadata"),
            ("podIP", "pod_ip"),
            ("podIPs", "pod_ips"),
            ("podCIDRs", "pod_cidrs"),
            ("hostIPC", "host_ipc"),
            ("clusterIPs", "cluster_ips"),
            ("httpGet", "http_get"),
            ("setHostnameAsFQDN", "set_hostname_as_fqdn"),
            ("targetWWNs", "target_wwns"),
            (
                "serverAddressByClientCIDRs",
                "server_address_by_client_cidrs",
            ),
            ("volumeIDs", "volume_ids"),
            ("iscsi", "iscsi"),
            ("type", "type_"),
            ("$ref", "ref_"),
            ("$schema", "schema"),
            ("x-kubernetes-list-map-keys", "x_kubernetes_list_map_keys"),
            ("enum", "enum_"),
            ("continue", "continue_"),
            ("ipv4", "ipv4"),
            ("caBundle", "ca_bundle"),
            ("URLs", "urls"),
            ("externalIPs", "external_ips"),
            ("nodeIPs", "node_ips"),
            ("fsGroup", "fs_group"),
            ("exitCode", "exit_code"),
            ("allocatedResourcesStatus", "allocated_resources_status"),
        ];
        for (wire, rust) in cases {
            assert_eq!(field_name(wire), rust, "{wire}");
        }
    }

    #[test]
    fn type_names_keep_acronyms() {
        assert_eq!(type_name("APIService"), "APIService");
        assert_eq!(type_name("JSONSchemaProps"), "JSONSchemaProps");
        assert_eq!(type_name("cronTab"), "CronTab");
        assert_eq!(type_name("my-thing"), "MyThing");
    }

    #[test]
    fn docs_escape_links_html_and_urls() {
        let lines = doc_lines(
            "Use [name] or <none>. More info: https://kubernetes.io/docs/x#y. `a[0]` and `<b>`",
        );
        assert_eq!(
            lines,
            vec![
                "Use \\[name\\] or \\<none\\>. More info: <https://kubernetes.io/docs/x#y>. `a[0]` and `<b>`"
            ]
        );
    }

    #[test]
    fn docs_fence_indented_blocks_as_text() {
        let lines = doc_lines("Example:\n\n    a: b\n      c: d\n\nAfter.");
        assert_eq!(
            lines,
            vec![
                "Example:", "", "```text", "a: b", "  c: d", "```", "", "After."
            ]
        );
        let lines = doc_lines("x\n```yaml\nk: [v]\n```\ny");
        assert_eq!(lines, vec!["x", "```text", "k: [v]", "```", "y"]);
    }

    #[test]
    fn docs_with_odd_backticks_escape_them() {
        assert_eq!(doc_lines("a ` b [c]"), vec!["a \\` b \\[c\\]"]);
    }

    #[test]
    fn urls_keep_balanced_parentheses() {
        assert_eq!(
            doc_lines("(see https://e.x/a_(b)).")[0],
            "(see <https://e.x/a_(b)>)."
        );
    }
}
