//! The seeded, grammar-driven corpus: for each area, inputs built from the area's grammar
//! (mostly valid, the rest near-valid: one piece out of range or misplaced), then, now and
//! then, mutated (a character inserted, deleted or doubled).
//!
//! Go's big-decimal code is slow for huge decimal exponents (it computes 10^exp), so quantity
//! exponents stay within ±400; an exponent outside the `i32` range is chosen so that Go's
//! truncation to 32 bits leaves a small one.

use std::collections::BTreeMap;

/// SplitMix64: small, fast and reproducible from the seed alone.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 0..n
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// lo..=hi
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo) as u64 + 1)) as i64
    }

    /// True with `percent`% probability.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// lo..=hi random digits.
    fn digits_in(&mut self, lo: i64, hi: i64) -> String {
        let n = self.range(lo, hi) as usize;
        self.digits(n)
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

/// One character inserted, deleted, doubled or replaced, `percent`% of the time.
fn mutate(rng: &mut Rng, s: String, percent: u64, alphabet: &[char]) -> String {
    if !rng.chance(percent) {
        return s;
    }
    let mut chars: Vec<char> = s.chars().collect();
    let at = rng.below(chars.len() + 1);
    let c = alphabet[rng.below(alphabet.len())];
    match rng.below(4) {
        0 => chars.insert(at, c),
        1 if at < chars.len() => {
            chars.remove(at);
        }
        2 if at < chars.len() => {
            let d = chars[at];
            chars.insert(at, d);
        }
        _ if at < chars.len() => chars[at] = c,
        _ => chars.push(c),
    }
    chars.into_iter().collect()
}

// ---------------------------------------------------------------------------------------------
// Quantities

const DECIMAL_SUFFIXES: &[&str] = &["", "n", "u", "m", "k", "M", "G", "T", "P", "E"];
const BINARY_SUFFIXES: &[&str] = &["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
const BAD_SUFFIXES: &[&str] = &[
    "i", "ki", "KiB", "mi", "K", "e", "E+", "e-", "Mi3", "m2", "EE", "ee1", "iK", " ", "x", "%",
    "e1.5", "μ",
];

fn quantity_digits(rng: &mut Rng) -> String {
    match rng.below(16) {
        0 => String::new(),
        1 => "9".repeat(rng.range(1, 45) as usize),
        2 => format!("1{}", "0".repeat(rng.below(40))),
        3 => format!("{}{}", rng.range(1, 9), rng.digits_in(15, 25)),
        4 => rng.digits_in(26, 60),
        5 => rng
            .pick(&[
                "7",
                "8",
                "1023",
                "1024",
                "1025",
                "4096",
                "9223372036854775807",
                "9223372036854775808",
                "18446744073709551616",
            ])
            .to_string(),
        _ => rng.digits_in(1, 6),
    }
}

fn exponent(rng: &mut Rng) -> String {
    let e: i64 = match rng.below(10) {
        0..=5 => rng.range(-12, 12),
        6 | 7 => rng.range(-40, 40),
        8 => rng.range(-400, 400),
        // Outside i32, small once Go truncates it to 32 bits.
        _ => {
            rng.range(-1000, 1000).max(1) * (1 << 32) * if rng.chance(50) { 1 } else { -1 }
                + rng.range(-20, 20)
        }
    };
    let sign = if e >= 0 && rng.chance(20) { "+" } else { "" };
    format!("{}{sign}{e}", rng.pick(&["e", "E"]))
}

/// A quantity string; `valid_bias` in percent makes the grammar's valid branches likelier.
pub fn quantity(rng: &mut Rng, valid_bias: u64) -> String {
    let mut s = String::new();
    s.push_str(match rng.below(10) {
        0 | 1 => "-",
        2 => "+",
        3 if !rng.chance(valid_bias) => rng.pick(&["--", "+-", "-+", " "]),
        _ => "",
    });
    if rng.chance(10) {
        s.push_str(&"0".repeat(rng.range(1, 25) as usize));
    }
    s.push_str(&quantity_digits(rng));
    if rng.chance(40) {
        s.push('.');
        let n = match rng.below(10) {
            0 => 0,
            1 => rng.range(10, 50) as usize,
            2 => {
                s.push_str(&"9".repeat(rng.range(5, 45) as usize));
                0
            }
            _ => rng.range(1, 9) as usize,
        };
        s.push_str(&rng.digits(n));
        if rng.chance(3) && !rng.chance(valid_bias) {
            s.push('.');
        }
    }
    if s.trim_start_matches(['-', '+']).is_empty() && rng.chance(valid_bias) {
        s.push('1');
    }
    match rng.below(10) {
        0..=3 => s.push_str(rng.pick(DECIMAL_SUFFIXES)),
        4..=6 => s.push_str(rng.pick(BINARY_SUFFIXES)),
        7 | 8 => s.push_str(&exponent(rng)),
        _ if rng.chance(valid_bias) => {}
        _ => s.push_str(rng.pick(BAD_SUFFIXES)),
    }
    if rng.chance(1) {
        s = rng
            .pick(&[
                "0",
                "",
                "+",
                "-",
                ".",
                "+.",
                "-0",
                "0Ki",
                "1e99999999999999999999",
            ])
            .to_string();
    }
    let mutate_percent = 100 - valid_bias.min(95);
    let mutated = mutate(
        rng,
        s.clone(),
        mutate_percent / 2,
        &['0', '1', '9', '.', '+', '-', 'e', 'i', 'K', 'm', ' '],
    );
    // A mutated exponent may truncate to a huge one in Go: keep the unmutated string then.
    if go_exponent(&mutated).is_some_and(|e| e.unsigned_abs() > 1000) {
        s
    } else {
        mutated
    }
}

/// The decimal exponent Go would use for the string's suffix (`int32(ParseInt(…))`), if it
/// has one.
fn go_exponent(s: &str) -> Option<i32> {
    let at = s.rfind(['e', 'E'])?;
    let e: i64 = s[at + 1..].parse().ok()?;
    Some(e as i32)
}

// ---------------------------------------------------------------------------------------------
// Label selectors

const KEYS: &[&str] = &[
    "a",
    "app",
    "tier",
    "env",
    "version",
    "x",
    "example.com/app",
    "k8s.io/x-y_z.1",
    "a.b/c",
    "app.kubernetes.io/name",
    "A",
    "Z9",
    "n1",
];
const BAD_KEYS: &[&str] = &[
    "-a", "a-", "_x", "a/b/c", "/a", "a/", "A.com/x", "é", "a b", "", "x..y/z", "x.-y/z",
];
const VALUES: &[&str] = &[
    "web",
    "api",
    "a",
    "1",
    "2",
    "10",
    "-1",
    "01",
    "1.5",
    "v1.2",
    "A_b-c.d",
    "",
    "prod",
    "dev",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "0x10",
    "+3",
];
const BAD_VALUES: &[&str] = &["-a", "a-", "a b", "é", "a,b", "(", ")", "a=b", "!", "_a"];

fn long_name(rng: &mut Rng, len: usize) -> String {
    let mut s: String = (0..len)
        .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789-._"[rng.below(39)]))
        .collect();
    s.replace_range(0..1, "a");
    s.replace_range(len - 1..len, "z");
    s
}

fn long_name_in(rng: &mut Rng, lo: i64, hi: i64) -> String {
    let n = rng.range(lo, hi) as usize;
    long_name(rng, n)
}

fn label_key(rng: &mut Rng) -> String {
    match rng.below(20) {
        0 => rng.pick(BAD_KEYS).to_string(),
        1 => long_name_in(rng, 62, 64),
        2 => format!("{}/{}", long_name_in(rng, 250, 254), rng.pick(KEYS)),
        _ => rng.pick(KEYS).to_string(),
    }
}

fn label_value(rng: &mut Rng) -> String {
    match rng.below(20) {
        0 => rng.pick(BAD_VALUES).to_string(),
        1 => long_name_in(rng, 62, 64),
        _ => rng.pick(VALUES).to_string(),
    }
}

fn ws(rng: &mut Rng) -> &'static str {
    match rng.below(8) {
        0 => " ",
        1 => "  ",
        2 => "\t",
        _ => "",
    }
}

fn label_requirement(rng: &mut Rng) -> String {
    let key = label_key(rng);
    let (w1, w2) = (ws(rng), ws(rng));
    match rng.below(10) {
        0 => format!("{w1}{key}{w2}"),
        1 => format!("{w1}!{}{key}{w2}", ws(rng)),
        2 | 3 => format!(
            "{w1}{key}{w2}{}{}{}",
            rng.pick(&["=", "==", "!="]),
            ws(rng),
            label_value(rng)
        ),
        4 | 5 => {
            let n = rng.below(4);
            let values: Vec<String> = (0..n)
                .map(|_| format!("{}{}{}", ws(rng), label_value(rng), ws(rng)))
                .collect();
            let op = rng.pick(&[" in ", " notin ", "in", " in", " notin", " IN "]);
            let close = if rng.chance(95) { ")" } else { "" };
            format!(
                "{w1}{key}{op}{}({}{close}{w2}",
                ws(rng),
                values.join(rng.pick(&[",", ",", ", ", ",,"]))
            )
        }
        6 | 7 => {
            let v = match rng.below(6) {
                0 => rng
                    .pick(&["1.5", "a", "", "-", "01", "9223372036854775808", "1e3"])
                    .to_string(),
                _ => rng.range(-100, 100).to_string(),
            };
            format!(
                "{w1}{key}{w2}{}{}{v}",
                rng.pick(&[">", "<", ">=", "<="]),
                ws(rng)
            )
        }
        8 => format!(
            "{w1}{key}{}{}",
            rng.pick(&["=", "!", "=!", "(", ")", ",", "in", "!="]),
            ws(rng)
        ),
        _ => format!("{w1}{key}={}{w2}", label_value(rng)),
    }
}

/// A label selector string and three label sets to match it against.
pub fn label_selector(rng: &mut Rng) -> (String, Vec<BTreeMap<String, String>>) {
    let n = match rng.below(10) {
        0 => 0,
        1..=5 => 1,
        6..=8 => 2,
        _ => rng.range(3, 6) as usize,
    };
    let reqs: Vec<String> = (0..n).map(|_| label_requirement(rng)).collect();
    let mut s = reqs.join(if rng.chance(90) {
        ","
    } else {
        rng.pick(&[", ", ",,", " ,", ";"])
    });
    if rng.chance(3) {
        s.push(',');
    }
    let s = mutate(
        rng,
        s,
        5,
        &['=', '!', ',', '(', ')', ' ', 'a', '1', '<', '>', '/'],
    );
    let sets = (0..3).map(|_| label_set(rng)).collect();
    (s, sets)
}

fn label_set(rng: &mut Rng) -> BTreeMap<String, String> {
    let n = rng.below(5);
    (0..n)
        .map(|_| {
            let k = rng.pick(KEYS).to_string();
            let v = match rng.below(6) {
                0 => rng.range(-100, 100).to_string(),
                _ => rng.pick(VALUES).to_string(),
            };
            (k, v)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Field selectors

const FIELDS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "spec.nodeName",
    "status.phase",
    "a",
    "",
    "x=y",
    " ",
];
const FIELD_VALUES: &[&str] = &[
    "x", "", "Running", "a\\,b", "a\\=b", "a\\\\b", "\\\\", "a,b", "a=b", "a\\b", "\\", "é", " ",
    "!", "a!=b",
];

/// A field selector string and three field sets.
pub fn field_selector(rng: &mut Rng) -> (String, Vec<BTreeMap<String, String>>) {
    let n = match rng.below(10) {
        0 => 0,
        1..=5 => 1,
        6..=8 => 2,
        _ => rng.range(3, 5) as usize,
    };
    let terms: Vec<String> = (0..n)
        .map(|_| match rng.below(12) {
            0 => rng
                .pick(&["=", "==", "!=", "", "!", "a", "=a", "!=a"])
                .to_string(),
            1 => rng.pick(FIELDS).to_string(),
            _ => format!(
                "{}{}{}",
                rng.pick(FIELDS),
                rng.pick(&["=", "==", "!=", "=", "!", "==="]),
                rng.pick(FIELD_VALUES)
            ),
        })
        .collect();
    let s = terms.join(",");
    let s = mutate(rng, s, 5, &['=', '!', ',', '\\', ' ', 'a']);
    let sets = (0..3)
        .map(|_| {
            let n = rng.below(4);
            (0..n)
                .map(|_| {
                    let k = rng.pick(FIELDS).to_string();
                    let v = rng.pick(&["x", "", "Running", "a,b", "a=b", "a\\b", "\\", "é", "!"]);
                    (k, v.to_string())
                })
                .collect()
        })
        .collect();
    (s, sets)
}

// ---------------------------------------------------------------------------------------------
// Names

/// A name-like string: DNS labels and subdomains, qualified names, path segments.
pub fn name(rng: &mut Rng) -> String {
    let part = |rng: &mut Rng| -> String {
        let len = match rng.below(10) {
            0 => 0,
            1 => rng.range(60, 66) as usize,
            _ => rng.range(1, 12) as usize,
        };
        let alphabet: &[u8] = if rng.chance(70) {
            b"abcdefghijklmnopqrstuvwxyz0123456789-"
        } else {
            b"abcXYZ019-._/%"
        };
        (0..len)
            .map(|_| char::from(alphabet[rng.below(alphabet.len())]))
            .collect()
    };
    let s = match rng.below(10) {
        0 => rng
            .pick(&[
                ".", "..", "...", "", "/", "%", "a/b", "a%2F", "-", "a.", ".a",
            ])
            .to_string(),
        1 | 2 => {
            let n = rng.range(1, 5);
            (0..n).map(|_| part(rng)).collect::<Vec<_>>().join(".")
        }
        3 => {
            // Near the subdomain limit.
            let mut s = String::new();
            while s.len() < rng.range(240, 260) as usize {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(&long_name(rng, 20).to_lowercase().replace(['_', '.'], "x"));
            }
            s
        }
        4 | 5 => format!("{}/{}", part(rng), part(rng)),
        _ => part(rng),
    };
    mutate(rng, s, 10, &['A', 'é', '_', '.', '-', '/', ' ', '%'])
}

// ---------------------------------------------------------------------------------------------
// Times

/// An RFC 3339-like timestamp.
pub fn timestamp(rng: &mut Rng) -> String {
    let num = |rng: &mut Rng, width: usize, lo: i64, hi: i64| -> String {
        format!("{:0width$}", rng.range(lo, hi))
    };
    let year = match rng.below(20) {
        0 => num(rng, 4, 0, 1),
        1 => num(rng, 4, 9998, 9999),
        2 => num(rng, 3, 0, 999),
        3 => num(rng, 5, 10000, 10001),
        _ => num(rng, 4, 1900, 2100),
    };
    let month = if rng.chance(95) {
        num(rng, 2, 1, 12)
    } else {
        num(rng, 2, 0, 13)
    };
    let day = if rng.chance(90) {
        num(rng, 2, 1, 28)
    } else {
        num(rng, 2, 0, 32)
    };
    let hour = if rng.chance(95) {
        num(rng, 2, 0, 23)
    } else {
        num(rng, 2, 23, 25)
    };
    let minute = if rng.chance(95) {
        num(rng, 2, 0, 59)
    } else {
        num(rng, 2, 59, 61)
    };
    let second = if rng.chance(95) {
        num(rng, 2, 0, 59)
    } else {
        num(rng, 2, 59, 61)
    };
    let t = if rng.chance(95) {
        "T"
    } else {
        rng.pick(&["t", " ", "_", ""])
    };
    let frac = match rng.below(10) {
        0..=4 => String::new(),
        5 => ".".to_string(),
        6 => format!(".{}", rng.digits(6)),
        7 => format!(".{}", rng.digits_in(10, 14)),
        _ => format!(".{}", rng.digits_in(1, 9)),
    };
    let offset = match rng.below(12) {
        0..=5 => "Z".to_string(),
        6 => "z".to_string(),
        7 => String::new(),
        8 => format!(
            "{}{}{}",
            rng.pick(&["+", "-"]),
            num(rng, 2, 0, 25),
            rng.pick(&["", ":", ":0"])
        ),
        _ => format!(
            "{}{}:{}",
            rng.pick(&["+", "-"]),
            num(rng, 2, 0, 23),
            num(rng, 2, 0, 60)
        ),
    };
    let sep = |rng: &mut Rng, c: &'static str| {
        if rng.chance(98) {
            c
        } else {
            rng.pick(&["/", "", "."])
        }
    };
    let s = format!(
        "{year}{}{month}{}{day}{t}{hour}{}{minute}{}{second}{frac}{offset}",
        sep(rng, "-"),
        sep(rng, "-"),
        sep(rng, ":"),
        sep(rng, ":")
    );
    mutate(rng, s, 5, &['0', '9', ':', '-', 'T', 'Z', '.', ' ', '+'])
}

// ---------------------------------------------------------------------------------------------
// IntOrString

/// JSON text for an `IntOrString`, a total and a rounding flag.
pub fn int_or_string(rng: &mut Rng) -> (String, i64, bool) {
    let json = match rng.below(12) {
        0 => rng
            .pick(&[
                "2147483647",
                "2147483648",
                "-2147483648",
                "-2147483649",
                "0",
                "-0",
                "1.0",
                "1.5",
                "1e3",
                "null",
                "true",
                "[]",
                "{}",
                "\"\"",
                "01",
                "99999999999999999999",
            ])
            .to_string(),
        1..=3 => rng.range(-1000, 1000).to_string(),
        4 | 5 => format!("\"{}%\"", rng.range(-200, 200)),
        6 => format!(
            "\"{}\"",
            rng.pick(&[
                "%",
                "50",
                "x",
                "+5%",
                " 5%",
                "5 %",
                "05%",
                "5%%",
                "9223372036854775807%",
                "9223372036854775808%",
                "-9223372036854775808%",
                "1.5%",
                "0x10%",
                "50%x"
            ])
        ),
        7 => format!("\"{}%\"", rng.range(-3_000_000_000, 3_000_000_000)),
        _ => format!("\"{}%\"", rng.range(0, 100)),
    };
    let total = match rng.below(8) {
        0 => rng.range(-3_000_000_000, 3_000_000_000),
        1 => rng
            .pick(&["2147483647", "-2147483648", "0"])
            .parse()
            .unwrap(),
        _ => rng.range(-5, 1000),
    };
    (json, total, rng.chance(50))
}

// ---------------------------------------------------------------------------------------------
// Durations

/// A Go duration string.
pub fn duration(rng: &mut Rng) -> String {
    let units = ["ns", "us", "µs", "μs", "ms", "s", "m", "h"];
    let mut s = String::new();
    s.push_str(match rng.below(10) {
        0 => "-",
        1 => "+",
        _ => "",
    });
    match rng.below(20) {
        0 => s.push_str(rng.pick(&[
            "0",
            "",
            "9223372036854775807ns",
            "9223372036854775808ns",
            "2562047h47m16.854775807s",
            "2562047h47m16.854775808s",
            "2562048h",
            "-9223372036854775808ns",
            ".s",
            "1.s",
            ".5s",
            "1d",
            "1S",
            "1",
            "1h1",
            "0.0000000001s",
            "00000000000000000000001s",
            "1.00000000000000000000000001s",
        ])),
        _ => {
            let n = rng.range(1, 4);
            for _ in 0..n {
                let number = match rng.below(6) {
                    0 => format!("{}.{}", rng.range(0, 99), rng.digits_in(0, 12)),
                    1 => rng.range(0, 10_000_000_000).to_string(),
                    2 => format!(".{}", rng.digits_in(1, 4)),
                    _ => rng.range(0, 120).to_string(),
                };
                s.push_str(&number);
                let u = units[rng.below(units.len())];
                s.push_str(if rng.chance(97) {
                    u
                } else {
                    rng.pick(&["", "d", "S", "sec", "M"])
                });
            }
        }
    }
    mutate(rng, s, 5, &['1', '.', 's', 'm', 'h', '-', ' '])
}
