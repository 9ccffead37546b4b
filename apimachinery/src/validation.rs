//! Name and label validation, as `k8s.io/apimachinery/pkg/util/validation` does it.
//!
//! Each function returns the list of problems (empty when valid), with apimachinery's messages,
//! so they can be shown to users exactly as the API server would phrase them.
//!
//! ```
//! use k8s_apimachinery::validation::{is_dns1123_label, is_qualified_name, is_valid_label_value};
//!
//! assert!(is_dns1123_label("my-name").is_empty());
//! assert_eq!(is_dns1123_label("my.name"), vec!["must not contain dots".to_string()]);
//! assert!(is_qualified_name("example.com/MyName").is_empty());
//! assert!(!is_qualified_name("/name").is_empty());
//! assert!(is_valid_label_value("").is_empty());
//! assert!(!is_valid_label_value("-bad").is_empty());
//! ```

/// Maximum length of a DNS-1123 label (and of a label name or value).
pub const DNS1123_LABEL_MAX_LENGTH: usize = 63;
/// Maximum length of a DNS-1123 subdomain.
pub const DNS1123_SUBDOMAIN_MAX_LENGTH: usize = 253;
/// Maximum length of a label value.
pub const LABEL_VALUE_MAX_LENGTH: usize = 63;
/// Maximum length of the name part of a qualified name.
pub const QUALIFIED_NAME_MAX_LENGTH: usize = 63;

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";

/// `validation.MaxLenError` (util/validation's DNS checks count "characters").
fn max_len_error(n: usize) -> String {
    format!("must be no more than {n} characters")
}

/// `content.MaxLenError`: the newer content package, behind the qualified-name and label-value
/// checks, counts "bytes".
fn content_max_len_error(n: usize) -> String {
    format!("must be no more than {n} bytes")
}

fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    if examples.is_empty() {
        return format!("{msg} (regex used for validation is '{fmt}')");
    }
    // apimachinery's `RegexError` wording, its doubled spaces included:
    // "(e.g. 'a',  or 'b', regex used for validation is '…')".
    let mut out = format!("{msg} (e.g. ");
    for (i, e) in examples.iter().enumerate() {
        if i > 0 {
            out.push_str(" or ");
        }
        out.push('\'');
        out.push_str(e);
        out.push_str("', ");
    }
    out.push_str("regex used for validation is '");
    out.push_str(fmt);
    out.push_str("')");
    out
}

fn is_alnum_lower(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
fn matches_dns_label(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(&f), Some(&l)) => {
            is_alnum_lower(f)
                && is_alnum_lower(l)
                && b.iter().all(|&c| is_alnum_lower(c) || c == b'-')
        }
        _ => false,
    }
}

fn matches_dns_subdomain(s: &str) -> bool {
    s.split('.').all(matches_dns_label)
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
fn matches_qualified_name(s: &str) -> bool {
    let b = s.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => {
            f.is_ascii_alphanumeric()
                && l.is_ascii_alphanumeric()
                && b.iter()
                    .all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// A DNS-1123 label (RFC 1123): lower-case alphanumerics and `-`, starting and ending
/// alphanumeric, at most 63 characters. Namespace names are labels.
pub fn is_dns1123_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_LABEL_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_LABEL_MAX_LENGTH));
    }
    if !matches_dns_label(value) {
        if matches_dns_subdomain(value) {
            errs.push("must not contain dots".to_owned());
        } else {
            errs.push(regex_error(
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

/// A DNS-1123 subdomain: dot-separated labels, at most 253 characters. Most object names are
/// subdomains.
pub fn is_dns1123_subdomain(value: &str) -> Vec<String> {
    dns1123_subdomain(value, max_len_error)
}

fn dns1123_subdomain(value: &str, max_len_error: fn(usize) -> String) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    if !matches_dns_subdomain(value) {
        errs.push(regex_error(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

const QUALIFIED_NAME_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/// A qualified name: an optional DNS-subdomain prefix and `/`, then a name of at most 63
/// alphanumerics, `-`, `_` and `.`, starting and ending alphanumeric. Label keys and annotation
/// keys are qualified names.
pub fn is_qualified_name(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_owned());
            } else {
                errs.extend(
                    dns1123_subdomain(prefix, content_max_len_error)
                        .into_iter()
                        .map(|m| format!("prefix part {m}")),
                );
            }
            *name
        }
        _ => {
            errs.push(format!(
                "a valid label key {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, &["MyName", "my.name", "123-abc"])
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_owned());
    } else if name.len() > QUALIFIED_NAME_MAX_LENGTH {
        errs.push(format!(
            "name part {}",
            content_max_len_error(QUALIFIED_NAME_MAX_LENGTH)
        ));
    }
    if !matches_qualified_name(name) {
        errs.push(format!(
            "name part {}",
            regex_error(
                QUALIFIED_NAME_MSG,
                QUALIFIED_NAME_FMT,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    errs
}

/// A label key: the same rules as [`is_qualified_name`].
pub fn is_label_key(value: &str) -> Vec<String> {
    is_qualified_name(value)
}

/// A label value: empty, or at most 63 alphanumerics, `-`, `_` and `.`, starting and ending
/// alphanumeric.
pub fn is_valid_label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > LABEL_VALUE_MAX_LENGTH {
        errs.push(content_max_len_error(LABEL_VALUE_MAX_LENGTH));
    }
    if !value.is_empty() && !matches_qualified_name(value) {
        errs.push(regex_error(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// Whether a name can be encoded safely as one segment of a request path
/// (`path.IsValidPathSegmentName`): not `.` or `..`, and no `/` or `%`. As in apimachinery, an
/// empty name and the length are not checked here.
pub fn is_valid_path_segment_name(name: &str) -> Vec<String> {
    if matches!(name, "." | "..") {
        return vec![format!("may not be '{name}'")];
    }
    is_valid_path_segment_prefix(name)
}

/// Whether a name can begin a name that is encoded as a path segment
/// (`path.IsValidPathSegmentPrefix`): no `/` or `%`.
pub fn is_valid_path_segment_prefix(name: &str) -> Vec<String> {
    ["/", "%"]
        .into_iter()
        .filter(|bad| name.contains(bad))
        .map(|bad| format!("may not contain '{bad}'"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segment_names() {
        assert_eq!(is_valid_path_segment_name(".."), vec!["may not be '..'"]);
        assert_eq!(is_valid_path_segment_name("."), vec!["may not be '.'"]);
        assert!(is_valid_path_segment_name("...").is_empty());
        assert!(is_valid_path_segment_name("").is_empty());
        assert_eq!(
            is_valid_path_segment_name("a/b%c"),
            vec!["may not contain '/'", "may not contain '%'"]
        );
        assert_eq!(is_valid_path_segment_prefix(".."), Vec::<String>::new());
        assert_eq!(
            is_valid_path_segment_prefix("%"),
            vec!["may not contain '%'"]
        );
    }

    #[test]
    fn dns1123_labels() {
        let long63 = "a".repeat(63);
        for good in [
            "a",
            "ab",
            "abc",
            "a1",
            "a-1",
            "a--1--2--b",
            "0",
            "01",
            "012",
            "1a",
            "1-a",
            long63.as_str(),
        ] {
            assert!(is_dns1123_label(good).is_empty(), "{good}");
        }
        let long64 = "a".repeat(64);
        for bad in [
            "",
            "A",
            "ABC",
            "aBc",
            "A1",
            "A-1",
            "1-A",
            "-",
            "a-",
            "-a",
            "1-",
            "-1",
            "_",
            "a_",
            "_a",
            "a_b",
            "1_",
            "_1",
            "1_2",
            ".",
            "a.",
            ".a",
            "a.b",
            "1.",
            ".1",
            "1.2",
            " ",
            "a ",
            " a",
            "a b",
            "1 ",
            " 1",
            "1 2",
            long64.as_str(),
        ] {
            assert!(!is_dns1123_label(bad).is_empty(), "{bad:?}");
        }
        assert_eq!(is_dns1123_label("a.b"), vec!["must not contain dots"]);
        assert_eq!(
            is_dns1123_label(&long64),
            vec!["must be no more than 63 characters"]
        );
    }

    #[test]
    fn dns1123_subdomains() {
        let long = format!("{}.{}", "a".repeat(126), "b".repeat(126));
        for good in [
            "a",
            "ab",
            "a.b",
            "a1.b2",
            "a-1.b-2",
            "0.a",
            "11.22.33",
            long.as_str(),
        ] {
            assert!(is_dns1123_subdomain(good).is_empty(), "{good}");
        }
        let too_long = format!("{long}bc");
        for bad in [
            "",
            "A",
            "a.",
            ".a",
            "a..b",
            "a_b",
            "-a.b",
            "a.b-",
            "a b",
            too_long.as_str(),
        ] {
            assert!(!is_dns1123_subdomain(bad).is_empty(), "{bad:?}");
        }
    }

    #[test]
    fn qualified_names() {
        let long_name = "a".repeat(63);
        let long_prefix = format!("{}/b", "a".repeat(253));
        for good in [
            "simple",
            "now-with-dashes",
            "1-starts-with-num",
            "1234",
            "simple/simple",
            "now-with-dashes/simple",
            "now-with-dashes/now-with-dashes",
            "now.with.dots/simple",
            "now-with.dashes-and.dots/simple",
            "1-num.2-num/3-num",
            "1234/5678",
            "1.2.3.4/5678",
            "Uppercase_Is_OK_123",
            "example.com/Uppercase_Is_OK_123",
            "requests.storage-foo",
            long_name.as_str(),
            long_prefix.as_str(),
        ] {
            assert!(is_qualified_name(good).is_empty(), "{good}");
        }
        let too_long_name = "a".repeat(64);
        let too_long_prefix = format!("{}/b", "a".repeat(254));
        for bad in [
            "nospecialchars%^=@",
            "cantendwithadash-",
            "-cantstartwithadash-",
            "only/one/slash",
            "Example.com/abc",
            "example_com/abc",
            "example.com/",
            "/simple",
            too_long_name.as_str(),
            too_long_prefix.as_str(),
        ] {
            assert!(!is_qualified_name(bad).is_empty(), "{bad:?}");
        }
        assert_eq!(
            is_qualified_name("/simple"),
            vec!["prefix part must be non-empty"]
        );
        assert_eq!(
            is_qualified_name("example.com/"),
            vec![
                "name part must be non-empty",
                "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
            ]
        );
    }

    #[test]
    fn label_values() {
        let long = "a".repeat(63);
        for good in [
            "simple",
            "now-with-dashes",
            "1-starts-with-num",
            "end-with-num-1",
            "1234",
            "",
            "A",
            "AB",
            "AbC",
            "A1",
            "A-1",
            "1-A",
            "a_b",
            "a.b",
            long.as_str(),
        ] {
            assert!(is_valid_label_value(good).is_empty(), "{good}");
        }
        let too_long = "a".repeat(64);
        for bad in [
            too_long.as_str(),
            "-",
            "a-",
            "-a",
            "_",
            "a_",
            "_a",
            ".",
            "a.",
            ".a",
            "a b",
            "a/b",
            "ü",
        ] {
            assert!(!is_valid_label_value(bad).is_empty(), "{bad:?}");
        }
    }
}
