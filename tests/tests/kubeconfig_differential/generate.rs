//! Seeded random kubeconfig file sets: 1–4 files in different folders, names colliding across
//! files, relative and absolute file references, `current-context` set (or not) in any file,
//! exec and auth-provider users, odd server URLs, bad fields, repeated keys and byte-order
//! marks. The text is written by hand (not serialized) so that it can be malformed on purpose.

use base64::Engine as _;

/// splitmix64: small, seedable, and the same on every platform.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
}

/// The folders files go in. Each holds the shared files (written by the test): `ca.crt` (a
/// real CA), `empty.crt` (empty), `bad.crt` (not PEM), `client.crt` / `client.key` (a real
/// pair) and `token`; the case folder also has `bin/plugin` (an exec plugin that hands out a
/// token for the apiVersion given as its first argument).
pub const FOLDERS: &[&str] = &["", "a", "b", "a/sub"];

pub const CLUSTERS: &[&str] = &["prod", "dev", "x.y"];
pub const USERS: &[&str] = &["admin", "dev", "ci"];
pub const CONTEXTS: &[&str] = &["ctx-a", "ctx-b", "ctx-c"];

/// Servers: all on closed ports of the loopback interface, or not URLs at all.
const SERVERS: &[&str] = &[
    "https://127.0.0.1:1",
    "https://127.0.0.1:1",
    "https://127.0.0.1:2",
    "http://127.0.0.1:3",
    "127.0.0.1:4",
    "localhost:5",
    "[::1]:6",
    "https://127.0.0.1:1/prefix/",
    "https://127.0.0.1:1/a//b/../c",
    "https://127.0.0.1:1/./",
    "https://127.0.0.1:1/..",
    "HTTPS://127.0.0.1:7",
    "https://127.0.0.1:1?x=1",
    "https://127.0.0.1:1/p?x=1",
    "https://127.0.0.1:1#frag",
    "https://127.0.0.1:1/%zz",
    "https://127.0.0.1:1/%41b",
    "https://[::1]:8",
    "localhost:5/p",
    "https://",
    "",
    "https://127.0.0.1:abc",
];

/// One generated case: the files (path relative to the case folder, or `None` for a list entry
/// that does not exist) and the overrides.
pub struct Case {
    /// The `KUBECONFIG` entries in order: (relative path, contents or `None` for missing).
    pub files: Vec<(String, Option<Vec<u8>>)>,
    pub context: Option<String>,
    pub cluster: Option<String>,
    pub user: Option<String>,
    pub namespace: Option<String>,
}

/// Text of one YAML mapping under construction (`key: value` lines at one indent).
struct Map {
    indent: usize,
    out: String,
}

impl Map {
    fn new(indent: usize) -> Map {
        Map {
            indent,
            out: String::new(),
        }
    }

    fn line(&mut self, key: &str, value: &str) {
        self.out
            .push_str(&format!("{}{key}: {value}\n", " ".repeat(self.indent)));
    }

    fn block(&mut self, key: &str, body: &str) {
        self.out
            .push_str(&format!("{}{key}:\n{body}", " ".repeat(self.indent)));
    }
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

pub fn generate(rng: &mut Rng, ca_pem: &[u8], cert_pem: &[u8], key_pem: &[u8]) -> Case {
    let n = 1 + rng.below(4);
    let mut files = Vec::new();
    for i in 0..n {
        let folder = rng.pick(FOLDERS);
        let name = format!("config{i}");
        let path = if folder.is_empty() {
            name
        } else {
            format!("{folder}/{name}")
        };
        if rng.chance(6) {
            files.push((path, None));
            continue;
        }
        files.push((path, Some(file(rng, ca_pem, cert_pem, key_pem))));
    }
    // The same file twice in the list (read once).
    if rng.chance(5) {
        let again = files[rng.below(files.len())].clone();
        files.push(again);
    }
    let name_or_missing = |rng: &mut Rng, pool: &[&str]| {
        if rng.chance(15) {
            "missing".to_string()
        } else {
            rng.pick(pool).to_string()
        }
    };
    Case {
        files,
        context: rng.chance(25).then(|| name_or_missing(rng, CONTEXTS)),
        cluster: rng.chance(12).then(|| name_or_missing(rng, CLUSTERS)),
        user: rng.chance(12).then(|| name_or_missing(rng, USERS)),
        namespace: rng.chance(20).then(|| "flag-ns".to_string()),
    }
}

fn file(rng: &mut Rng, ca_pem: &[u8], cert_pem: &[u8], key_pem: &[u8]) -> Vec<u8> {
    if rng.chance(4) {
        return Vec::new();
    }
    let mut top = Map::new(0);
    // apiVersion / kind, mostly right.
    if !rng.chance(20) {
        let api = if rng.chance(97) {
            "v1"
        } else {
            rng.pick(&[
                "v2",
                "/v1",
                "V1",
                "1",
                "a/b/c",
                "v1/",
                "\"\"",
                "null",
                "client.authentication.k8s.io/v1",
            ])
        };
        top.line("apiVersion", api);
    }
    if !rng.chance(20) {
        let kind = if rng.chance(98) {
            "Config"
        } else {
            rng.pick(&["config", "Pod", "\"\"", "7"])
        };
        top.line("kind", kind);
    }
    if rng.chance(70) {
        let body = entries(rng, "cluster", CLUSTERS, |rng, m| cluster(rng, m, ca_pem));
        top.block("clusters", &body);
    }
    if rng.chance(70) {
        let body = entries(rng, "user", USERS, |rng, m| user(rng, m, cert_pem, key_pem));
        top.block("users", &body);
    }
    if rng.chance(75) {
        let body = entries(rng, "context", CONTEXTS, context);
        top.block("contexts", &body);
    }
    if rng.chance(60) {
        let name = if rng.chance(90) {
            rng.pick(CONTEXTS)
        } else {
            "nope"
        };
        top.line("current-context", name);
        if rng.chance(8) {
            // A repeated key: the last one wins.
            top.line("current-context", rng.pick(CONTEXTS));
        }
    }
    if rng.chance(5) {
        top.line("preferences", "{colors: true}");
    }
    if rng.chance(5) {
        top.line("some-unknown-field", "[1, 2]");
    }
    let mut text = top.out.into_bytes();
    if rng.chance(8) {
        let mut with_bom = b"\xEF\xBB\xBF".to_vec();
        with_bom.extend(text);
        text = with_bom;
    }
    text
}

/// 1–3 entries with distinct names (rarely a name twice, which client-go refuses).
fn entries(
    rng: &mut Rng,
    key: &str,
    names: &[&str],
    mut body: impl FnMut(&mut Rng, &mut Map),
) -> String {
    let mut pool: Vec<&str> = names.to_vec();
    let mut chosen = Vec::new();
    let count = if rng.chance(60) {
        names.len()
    } else {
        1 + rng.below(names.len())
    };
    for _ in 0..count {
        chosen.push(pool.remove(rng.below(pool.len())));
    }
    if rng.chance(1) {
        chosen.push(chosen[0]);
    }
    let mut text = String::new();
    for name in chosen {
        let mut inner = Map::new(4);
        body(rng, &mut inner);
        if inner.out.is_empty() {
            text.push_str(&format!("- name: {}\n  {key}: {{}}\n", quoted(name)));
        } else {
            text.push_str(&format!(
                "- name: {}\n  {key}:\n{}",
                quoted(name),
                inner.out
            ));
        }
    }
    text
}

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn cluster(rng: &mut Rng, m: &mut Map, ca_pem: &[u8]) {
    if !rng.chance(5) {
        m.line("server", &quoted(rng.pick(SERVERS)));
        if rng.chance(4) {
            // The same key twice: kubectl keeps the last value.
            m.line("server", &quoted(rng.pick(SERVERS)));
        }
    }
    if rng.chance(15) {
        m.line(
            "tls-server-name",
            &quoted(rng.pick(&["api.internal", "under_score", "1.2.3.4", "not a dns name"])),
        );
    }
    if rng.chance(20) {
        m.line(
            "insecure-skip-tls-verify",
            rng.pick(&["true", "false", "yes"]),
        );
    }
    if rng.chance(30) {
        let ca = rng.pick(&[
            "ca.crt",
            "../ca.crt",
            "empty.crt",
            "bad.crt",
            "missing.crt",
            "$ROOT/ca.crt",
            "$ROOT/empty.crt",
        ]);
        m.line("certificate-authority", ca);
    } else if rng.chance(12) {
        let data = if rng.chance(85) {
            b64(ca_pem)
        } else {
            "not*base64".to_string()
        };
        m.line("certificate-authority-data", &data);
    }
    if rng.chance(8) {
        m.line(
            "proxy-url",
            &quoted(rng.pick(&[
                "http://127.0.0.1:9",
                "HTTP://127.0.0.1:9",
                "socks5://127.0.0.1:9",
                "ftp://127.0.0.1:9",
            ])),
        );
    }
    if rng.chance(5) {
        m.line("disable-compression", "true");
    }
    if rng.chance(4) {
        m.line("extensions", "[{name: e, extension: {a: 1}}]");
    }
    if rng.chance(1) {
        m.line("insecure-skip-tls-verify", "maybe");
    }
}

fn user(rng: &mut Rng, m: &mut Map, cert_pem: &[u8], key_pem: &[u8]) {
    match rng.below(9) {
        0 | 1 => m.line("token", &format!("tok-{}", rng.below(100))),
        2 => m.line(
            "tokenFile",
            rng.pick(&["token", "$ROOT/token", "missing-token"]),
        ),
        3 => {
            m.line("username", "alice");
            if rng.chance(80) {
                m.line("password", "secret");
            }
        }
        4 => {
            if rng.chance(50) {
                m.line(
                    "client-certificate",
                    rng.pick(&[
                        "client.crt",
                        "$ROOT/client.crt",
                        "../client.crt",
                        "empty.crt",
                    ]),
                );
                m.line(
                    "client-key",
                    rng.pick(&["client.key", "$ROOT/client.key", "../client.key"]),
                );
            } else {
                m.line("client-certificate-data", &b64(cert_pem));
                if rng.chance(85) {
                    m.line("client-key-data", &b64(key_pem));
                }
            }
        }
        5 | 6 => exec(rng, m),
        7 => {
            let mut config = Vec::new();
            if rng.chance(70) {
                config.push("idp-issuer-url: https://127.0.0.1:1");
            }
            if rng.chance(70) {
                config.push("client-id: kube");
            }
            if rng.chance(50) {
                config.push("id-token: not-a-jwt");
            }
            let name = if rng.chance(85) { "oidc" } else { "gcp" };
            m.line(
                "auth-provider",
                &format!("{{name: {name}, config: {{{}}}}}", config.join(", ")),
            );
        }
        _ => {}
    }
    if rng.chance(5) {
        m.line("token", "second-method");
    }
    if rng.chance(5) {
        m.line("as", "someone");
        m.line("as-groups", "[g1, g2]");
    }
    if rng.chance(3) {
        m.line("as-groups", "[lonely]");
    }
}

fn exec(rng: &mut Rng, m: &mut Map) {
    let version = rng.pick(&["v1", "v1", "v1beta1", "v1alpha1", "v2"]);
    let mut body = String::new();
    let mut line = |k: &str, v: &str| body.push_str(&format!("      {k}: {v}\n"));
    if !rng.chance(4) {
        line(
            "apiVersion",
            &format!("client.authentication.k8s.io/{version}"),
        );
    }
    let command = rng.pick(&[
        "./bin/plugin",
        "../bin/plugin",
        "$ROOT/bin/plugin",
        "no-such-plugin",
    ]);
    line("command", command);
    line("args", &format!("[{version}]"));
    if rng.chance(85) {
        line(
            "interactiveMode",
            rng.pick(&["Never", "Never", "IfAvailable", "Sometimes"]),
        );
    }
    if rng.chance(30) {
        line("provideClusterInfo", "true");
    }
    if rng.chance(10) {
        line("env", "[{name: A, value: b}]");
    }
    if rng.chance(3) {
        line("env", "[{value: nameless}]");
    }
    m.block("exec", &body);
}

fn context(rng: &mut Rng, m: &mut Map) {
    if rng.chance(90) {
        let cluster = if rng.chance(92) {
            rng.pick(CLUSTERS)
        } else {
            "ghost"
        };
        m.line("cluster", &quoted(cluster));
    }
    if rng.chance(80) {
        let user = if rng.chance(92) {
            rng.pick(USERS)
        } else {
            "ghost"
        };
        m.line("user", &quoted(user));
    }
    if rng.chance(50) {
        m.line("namespace", rng.pick(&["web", "kube-system", "\"\""]));
    }
    if rng.chance(3) {
        m.line("namespace", "repeated");
    }
}
