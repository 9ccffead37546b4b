//! Finding, reading, parsing and merging kubeconfig files (client-go
//! `ClientConfigLoadingRules.Load`), and resolving their relative paths (`ResolveLocalPaths`).

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

use super::KubeconfigOptions;
use super::model::Kubeconfig;
use super::yaml::RawFile;
use crate::Error;

/// Where the files come from: an explicit file, or a precedence list.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Sources {
    /// `--kubeconfig`: must exist, used alone.
    Explicit(PathBuf),
    /// `KUBECONFIG` (de-duplicated) or `~/.kube/config`; missing files are skipped.
    Precedence(Vec<PathBuf>),
}

impl Sources {
    /// The files to try, in order.
    pub(super) fn paths(&self) -> Vec<PathBuf> {
        match self {
            Sources::Explicit(path) => vec![path.clone()],
            Sources::Precedence(paths) => paths.clone(),
        }
    }
}

/// client-go `NewDefaultClientConfigLoadingRules` + `ExplicitPath`.
pub(super) fn sources(options: &KubeconfigOptions) -> Sources {
    if let Some(path) = options.path.as_ref().filter(|p| !p.as_os_str().is_empty()) {
        return Sources::Explicit(path.clone());
    }
    let env = options
        .kubeconfig_env
        .clone()
        .or_else(|| std::env::var_os("KUBECONFIG"))
        .filter(|v| !v.is_empty());
    if let Some(list) = env {
        // Like filepath.SplitList + deduplicate: exact (string) duplicates dropped, first kept;
        // empty entries are skipped when loading.
        let mut seen: Vec<OsString> = Vec::new();
        let mut paths = Vec::new();
        for path in std::env::split_paths(&list) {
            if path.as_os_str().is_empty() || seen.iter().any(|s| s == path.as_os_str()) {
                continue;
            }
            seen.push(path.as_os_str().to_os_string());
            paths.push(path);
        }
        return Sources::Precedence(paths);
    }
    let home = options
        .home
        .clone()
        .or_else(|| std::env::var_os("HOME").map(PathBuf::from))
        .filter(|h| !h.as_os_str().is_empty());
    Sources::Precedence(
        home.map(|h| h.join(".kube").join("config"))
            .into_iter()
            .collect(),
    )
}

/// Reads and merges the files of `sources` (first definition of a name wins). Missing files in
/// a precedence list are skipped; a missing explicit file, an unreadable file or a broken file
/// is an error. Paths stay as written.
pub(super) fn load(sources: &Sources) -> Result<Kubeconfig, Error> {
    let mut merged = Kubeconfig::default();
    match sources {
        Sources::Explicit(path) => {
            let bytes = std::fs::read(path).map_err(|source| Error::ReadFile {
                field: "kubeconfig (explicit path)".to_string(),
                path: path.clone(),
                source,
            })?;
            merged.merge(parse(&bytes, Some(path))?);
        }
        Sources::Precedence(paths) => {
            for path in paths {
                let bytes = match std::fs::read(path) {
                    Ok(bytes) => bytes,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(source) => {
                        return Err(Error::ReadFile {
                            field: "kubeconfig (KUBECONFIG)".to_string(),
                            path: path.clone(),
                            source,
                        });
                    }
                };
                merged.merge(parse(&bytes, Some(path))?);
            }
        }
    }
    Ok(merged)
}

/// Parses one kubeconfig document. `origin` names the file in errors and is recorded as the
/// origin of each cluster, user and context. Empty input (or only comments) is an empty config.
/// Like client-go (which reads YAML through `sigs.k8s.io/yaml`), only the first YAML document
/// of a multi-document file is read.
pub(super) fn parse(bytes: &[u8], origin: Option<&Path>) -> Result<Kubeconfig, Error> {
    let display = origin.map_or_else(|| PathBuf::from("<kubeconfig>"), Path::to_path_buf);
    let syntax = |e: serde_yaml::Error| match e.location() {
        Some(loc) => Error::KubeconfigSyntax {
            path: display.clone(),
            line: loc.line(),
            column: loc.column(),
            message: e.to_string(),
        },
        None => Error::Kubeconfig {
            path: Some(display.clone()),
            message: e.to_string(),
        },
    };
    // A UTF-8 byte-order mark is not content (Go's YAML reader skips it; ours would make it
    // part of the first key, losing that key).
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Some(document) = serde_yaml::Deserializer::from_slice(bytes).next() else {
        return Ok(Kubeconfig {
            files: origin.map(Path::to_path_buf).into_iter().collect(),
            ..Kubeconfig::default()
        });
    };
    // `null` (an empty or comment-only document) decodes as an empty config.
    let raw: Option<RawFile> = match serde::Deserialize::deserialize(document) {
        Ok(raw) => raw,
        Err(error) => last_wins(bytes, &display)?.ok_or_else(|| syntax(error))?,
    };
    raw.unwrap_or_default()
        .into_model(origin)
        .map_err(|message| Error::Kubeconfig {
            path: Some(display.clone()),
            message,
        })
}

/// The second reading of a document the typed reader refused: as a tree in which a key given
/// twice keeps its last value (what kubectl does; serde refuses a repeated field). `None` when
/// no key is repeated, so the first reading's error (with its line and column) stands; else the
/// document read from the tree, or the error of that reading (without a position, which the
/// tree does not keep).
fn last_wins(bytes: &[u8], display: &Path) -> Result<Option<Option<RawFile>>, Error> {
    let repeated = std::cell::Cell::new(false);
    let Some(document) = serde_yaml::Deserializer::from_slice(bytes).next() else {
        return Ok(None);
    };
    let Ok(tree) = super::yaml::read_last_wins(document, &repeated) else {
        return Ok(None);
    };
    if !repeated.get() {
        return Ok(None);
    }
    serde_yaml::from_value(tree)
        .map(Some)
        .map_err(|e| Error::Kubeconfig {
            path: Some(display.to_path_buf()),
            message: e.to_string(),
        })
}

impl Kubeconfig {
    /// Merges `later` (a file further down the precedence list) into `self` with client-go's
    /// rules: a cluster, user, context or extension name already present keeps its first
    /// definition whole; `current-context` keeps the first non-empty value; `preferences.colors`
    /// is set if any file sets it.
    pub fn merge(&mut self, later: Kubeconfig) {
        self.files.extend(later.files);
        for (name, value) in later.clusters {
            self.clusters.entry(name).or_insert(value);
        }
        for (name, value) in later.users {
            self.users.entry(name).or_insert(value);
        }
        for (name, value) in later.contexts {
            self.contexts.entry(name).or_insert(value);
        }
        if self.current_context.is_none() {
            self.current_context = later.current_context;
            self.current_context_origin = later.current_context_origin;
        }
        self.preferences.colors |= later.preferences.colors;
        for (name, value) in later.preferences.extensions {
            self.preferences.extensions.entry(name).or_insert(value);
        }
        for (name, value) in later.preferences.unknown.0 {
            self.preferences.unknown.0.entry(name).or_insert(value);
        }
        for (name, value) in later.extensions {
            self.extensions.entry(name).or_insert(value);
        }
        for (name, value) in later.unknown.0 {
            self.unknown.0.entry(name).or_insert(value);
        }
    }

    /// Makes relative file references absolute against the directory of the file that defined
    /// them (client-go `ResolveLocalPaths`): `certificate-authority`, `client-certificate`,
    /// `client-key`, `tokenFile`, and an exec `command` that contains a path separator
    /// (`./bin/plugin`, not `gcloud`, which is looked up in `PATH`). Entries without an origin are
    /// left alone.
    pub fn resolve_paths(&mut self) {
        for cluster in self.clusters.values_mut() {
            if let Some(base) = base_dir(cluster.origin.as_deref()) {
                resolve(&mut cluster.certificate_authority, &base);
            }
        }
        for user in self.users.values_mut() {
            let Some(base) = base_dir(user.origin.as_deref()) else {
                continue;
            };
            resolve(&mut user.client_certificate, &base);
            resolve(&mut user.client_key, &base);
            resolve(&mut user.token_file, &base);
            if let Some(exec) = user.exec.as_mut()
                && exec.command.contains(std::path::MAIN_SEPARATOR)
            {
                let mut command = Some(PathBuf::from(&exec.command));
                resolve(&mut command, &base);
                if let Some(command) = command {
                    exec.command = command.to_string_lossy().into_owned();
                }
            }
        }
    }
}

/// `filepath.Abs(filepath.Dir(origin))`.
fn base_dir(origin: Option<&Path>) -> Option<PathBuf> {
    let origin = origin?;
    let dir = origin.parent().unwrap_or(Path::new(""));
    Some(absolute(dir))
}

/// Go's `filepath.Abs`: joined with the working directory when relative, then cleaned.
pub(super) fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        clean(path)
    } else {
        let cwd = std::env::current_dir().unwrap_or_default();
        clean(&cwd.join(path))
    }
}

fn resolve(reference: &mut Option<PathBuf>, base: &Path) {
    if let Some(path) = reference.as_mut()
        && !path.as_os_str().is_empty()
        && !path.is_absolute()
    {
        *path = clean(&base.join(&*path));
    }
}

/// Go's `filepath.Clean`, lexically: drops `.` and empty components and folds `..` into its
/// parent (never above the root).
pub(super) fn clean(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(component),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}
