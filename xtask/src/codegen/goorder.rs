//! The JSON field order of the Go structs behind the schemas.
//!
//! OpenAPI lists properties alphabetically, but the apiserver writes JSON in Go struct field
//! order (`kind`, `apiVersion`, `metadata`, `spec`, `status`). Emitting Rust fields in the same
//! order makes our serialized JSON byte-for-byte like the server's. The order is
//! read from the Go sources of the API types (`k8s.io/api`, `k8s.io/apiextensions-apiserver`,
//! `k8s.io/kube-aggregator`, from the Go module cache) with a small line-based parser of
//! `type X struct { … }` blocks and their `json:"…"` tags; embedded structs without a JSON name
//! are inlined (`metav1.TypeMeta`, `VolumeSource`, `ProbeHandler`).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// A Go struct field as the JSON encoder sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum GoField {
    /// A field with a JSON name.
    Named(String),
    /// An embedded struct whose fields are inlined (the type name without package).
    Inline {
        package: Option<String>,
        type_name: String,
    },
}

/// Field orders of the structs of Go packages, keyed by schema package prefix
/// (`io.k8s.api.core.v1`).
#[derive(Debug, Default)]
pub struct GoOrder {
    /// package prefix → struct name → fields
    packages: HashMap<String, HashMap<String, Vec<GoField>>>,
}

/// `io.k8s.api.core.v1.Pod` → (`k8s.io/api`, `core/v1`); `io.k8s.apiextensions-apiserver.pkg.
/// apis.apiextensions.v1.X` → (`k8s.io/apiextensions-apiserver`, `pkg/apis/apiextensions/v1`).
pub fn go_package_of(schema_package: &str) -> Option<(String, String)> {
    let rest = schema_package.strip_prefix("io.k8s.")?;
    let mut parts = rest.split('.');
    let module = parts.next()?;
    let dir: Vec<&str> = parts.collect();
    if dir.is_empty() {
        return None;
    }
    Some((format!("k8s.io/{module}"), dir.join("/")))
}

impl GoOrder {
    /// Loads the Go packages of the given schema packages from module directories
    /// (`module_dirs`: `k8s.io/api` → its directory). Packages without sources are skipped.
    pub fn load(
        schema_packages: &[String],
        module_dirs: &BTreeMap<String, PathBuf>,
    ) -> Result<Self> {
        let mut order = GoOrder::default();
        for pkg in schema_packages {
            let Some((module, dir)) = go_package_of(pkg) else {
                continue;
            };
            let Some(root) = module_dirs.get(&module) else {
                continue;
            };
            let path = root.join(&dir);
            if !path.is_dir() {
                continue;
            }
            let structs = parse_package(&path)?;
            order.packages.insert(pkg.clone(), structs);
        }
        Ok(order)
    }

    /// Whether the Go sources of `schema_package` were found.
    pub fn has_package(&self, schema_package: &str) -> bool {
        self.packages.contains_key(schema_package)
    }

    /// The JSON names of `schema_package`.`type_name` in Go order, inlined structs expanded;
    /// `None` when the struct is unknown.
    pub fn fields(&self, schema_package: &str, type_name: &str) -> Option<Vec<String>> {
        let mut out = Vec::new();
        self.expand(schema_package, type_name, &mut out, 0)?;
        Some(out)
    }

    fn expand(
        &self,
        pkg: &str,
        type_name: &str,
        out: &mut Vec<String>,
        depth: usize,
    ) -> Option<()> {
        if depth > 8 {
            return None;
        }
        let fields = self.packages.get(pkg)?.get(type_name)?;
        for f in fields {
            match f {
                GoField::Named(n) => out.push(n.clone()),
                GoField::Inline { package, type_name } => {
                    match (package.as_deref(), type_name.as_str()) {
                        (_, "TypeMeta") => {
                            // metav1.TypeMeta declares Kind first.
                            out.push("kind".to_string());
                            out.push("apiVersion".to_string());
                        }
                        (None, t) => {
                            // Same package; an unknown one contributes nothing.
                            let _ = self.expand(pkg, t, out, depth + 1);
                        }
                        (Some(_), _) => {}
                    }
                }
            }
        }
        Some(())
    }
}

/// Parses every non-test `.go` file of a package directory.
fn parse_package(dir: &Path) -> Result<HashMap<String, Vec<GoField>>> {
    let mut structs = HashMap::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "go") && !p.to_string_lossy().ends_with("_test.go")
        })
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        parse_structs(&text, &mut structs);
    }
    Ok(structs)
}

/// Collects the `type X struct { … }` blocks of one Go file.
fn parse_structs(text: &str, out: &mut HashMap<String, Vec<GoField>>) {
    let mut current: Option<(String, Vec<GoField>)> = None;
    // Depth of anonymous nested struct literals inside the current struct, and the Go name of
    // the field that holds the outermost one.
    let mut nested = 0usize;
    let mut nested_field = String::new();
    for raw in text.lines() {
        let line = raw.trim();
        if let Some((name, fields)) = current.as_mut() {
            if line.starts_with("//") || line.is_empty() {
                continue;
            }
            if nested > 0 {
                if let Some(rest) = line.strip_prefix('}') {
                    nested -= 1;
                    if nested == 0 {
                        // `} `json:"name"``: the field of the anonymous struct.
                        let decl = format!("{nested_field} struct{rest}");
                        if let Some(field) = parse_field(&decl) {
                            fields.push(field);
                        }
                    }
                } else if line.ends_with('{') {
                    nested += 1;
                }
                continue;
            }
            if line.starts_with('}') {
                out.insert(std::mem::take(name), std::mem::take(fields));
                current = None;
                continue;
            }
            if line.ends_with('{') {
                nested += 1;
                nested_field = line.split_whitespace().next().unwrap_or("").to_string();
                continue;
            }
            if let Some(field) = parse_field(line) {
                fields.push(field);
            }
            continue;
        }
        if let Some(rest) = line.strip_prefix("type ") {
            let mut words = rest.split_whitespace();
            if let (Some(name), Some("struct"), Some("{")) =
                (words.next(), words.next(), words.next())
            {
                current = Some((name.to_string(), Vec::new()));
                nested = 0;
            }
        }
    }
}

/// One field line: `Name Type `json:"name,omitempty" …``, or an embedded `pkg.Type `json:""``.
fn parse_field(line: &str) -> Option<GoField> {
    let (decl, tag) = match line.find('`') {
        Some(i) => (&line[..i], &line[i..]),
        None => (line, ""),
    };
    let decl = decl.split("//").next().unwrap_or("").trim();
    let words: Vec<&str> = decl.split_whitespace().collect();
    let json = tag
        .find("json:\"")
        .map(|i| &tag[i + 6..])
        .and_then(|t| t.find('"').map(|j| &t[..j]));
    let json_name = json.map(|j| j.split(',').next().unwrap_or(""));
    if json_name == Some("-") {
        return None;
    }
    match words.as_slice() {
        [ty] => {
            // Embedded: inlined unless it has a JSON name.
            if let Some(name) = json_name.filter(|n| !n.is_empty()) {
                return Some(GoField::Named(name.to_string()));
            }
            let ty = ty.trim_start_matches('*');
            let (package, type_name) = match ty.split_once('.') {
                Some((p, t)) => (Some(p.to_string()), t.to_string()),
                None => (None, ty.to_string()),
            };
            Some(GoField::Inline { package, type_name })
        }
        [name, ..] => {
            if !name.starts_with(|c: char| c.is_ascii_uppercase()) {
                return None; // unexported
            }
            match json_name.filter(|n| !n.is_empty()) {
                Some(n) => Some(GoField::Named(n.to_string())),
                None => Some(GoField::Named((*name).to_string())),
            }
        }
        [] => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r#"
package v1

// Pod is a pod.
type Pod struct {
	metav1.TypeMeta `json:",inline"`
	// Standard object's metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty" protobuf:"bytes,1,opt,name=metadata"`

	Spec PodSpec `json:"spec,omitempty" protobuf:"bytes,2,opt,name=spec"`
	Status PodStatus `json:"status,omitempty"`
}

type Volume struct {
	Name string `json:"name"`
	VolumeSource `json:"" protobuf:"bytes,2,opt,name=volumeSource"`
}

type VolumeSource struct {
	HostPath *HostPathVolumeSource `json:"hostPath,omitempty"`
	EmptyDir *EmptyDirVolumeSource `json:"emptyDir,omitempty"`
	internal string
	Skipped string `json:"-"`
	Nested struct {
		Inner string `json:"inner"`
	} `json:"nested"`
}
"#;

    #[test]
    fn parses_go_field_order_with_inlined_structs() {
        let mut structs = HashMap::new();
        parse_structs(SRC, &mut structs);
        let mut order = GoOrder::default();
        order
            .packages
            .insert("io.k8s.api.core.v1".to_string(), structs);
        assert_eq!(
            order.fields("io.k8s.api.core.v1", "Pod").unwrap(),
            ["kind", "apiVersion", "metadata", "spec", "status"]
        );
        assert_eq!(
            order.fields("io.k8s.api.core.v1", "Volume").unwrap(),
            ["name", "hostPath", "emptyDir", "nested"]
        );
        assert!(order.fields("io.k8s.api.core.v1", "Nope").is_none());
    }

    #[test]
    fn maps_schema_packages_to_go_packages() {
        assert_eq!(
            go_package_of("io.k8s.api.core.v1"),
            Some(("k8s.io/api".to_string(), "core/v1".to_string()))
        );
        assert_eq!(
            go_package_of("io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1"),
            Some((
                "k8s.io/apiextensions-apiserver".to_string(),
                "pkg/apis/apiextensions/v1".to_string()
            ))
        );
        assert_eq!(go_package_of("com.example.v1"), None);
    }
}
