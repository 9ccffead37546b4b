//! Strategic merge patches: our implementation (k8s-apimachinery's `strategicpatch` with
//! k8s-api's generated metadata) against Go's (`strategicpatch.StrategicMergePatch` with the Go
//! types of k8s.io/api v0.37.2, the code the apiserver runs).
//!
//! - `seeded_corpus_matches_go`: several thousand seeded random cases (see `corpus`), same
//!   result object (or both an error, with the same message where Go's is one text).
//! - `directive_examples`: hand-written cases with their expected result, checked against Go
//!   and against ours.
//! - `two_way_patches_match_go`: `create_two_way_merge_patch` against Go's
//!   `CreateTwoWayMergePatch` on pairs from the corpus.
//! - `patch_metadata_matches_go_struct_tags`: the table generated from the OpenAPI extensions
//!   has exactly the `patchStrategy`/`patchMergeKey` tags of the Go structs.
//!
//! The Go oracle (`strategicpatch_go/oracle`) is built once and cached; without Go installed
//! the Go half is skipped with a message (the expected results are still checked).

// The helper modules are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "strategicpatch_go/corpus.rs"]
mod corpus;
#[path = "strategicpatch_go/examples.rs"]
mod examples;
#[path = "strategicpatch_go/oracle.rs"]
mod oracle;

use std::collections::{BTreeMap, BTreeSet};

use k8s_api::patch_meta::{self, PatchSchema};
use k8s_apimachinery::strategicpatch::PatchStrategy;
use serde_json::Value;

/// The corpus; `SMP_CORPUS_SEED` and `SMP_CORPUS_CASES` override them for a deeper run.
const SEED: u64 = 0x5EED_0017;
const CASES: usize = 6000;
/// Each case runs this many times in Go: Go iterates maps in random order, and a few patches
/// (a list and a `$deleteFromPrimitiveList` of it with common values) depend on that order.
const RUNS: u32 = 3;

/// Numbers as Go has them (`float64`), so that `80` and `80.0` compare equal.
fn normalize(v: &Value) -> Value {
    match v {
        Value::Number(n) => n.as_f64().map(Value::from).unwrap_or(Value::Null),
        Value::Array(l) => Value::Array(l.iter().map(normalize).collect()),
        Value::Object(m) => {
            Value::Object(m.iter().map(|(k, v)| (k.clone(), normalize(v))).collect())
        }
        other => other.clone(),
    }
}

/// Ours, as comparable outcome.
fn ours(api_version: &str, kind: &str, original: &Value, patch: &Value) -> Result<Value, String> {
    patch_meta::strategic_merge(api_version, kind, original, patch)
        .map(|v| normalize(&v))
        .map_err(|e| e.to_string())
}

/// Whether our outcome is one of Go's: equal objects, or errors (with one of Go's messages,
/// when `messages`).
fn agrees(ours: &Result<Value, String>, go: &[Result<Value, String>], messages: bool) -> bool {
    go.iter().any(|g| match (ours, g) {
        (Ok(a), Ok(b)) => *a == normalize(b),
        // Where Go panics we return a typed error with our own text.
        (Err(_), Err(m)) if m.starts_with("panic: ") => true,
        (Err(a), Err(b)) => !messages || a == b,
        _ => false,
    })
}

/// How often each directive (and its misuse) occurs in a patch.
fn count_directives(v: &Value, counts: &mut BTreeMap<String, usize>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let name = match k.as_str() {
                    "$patch" => Some(format!(
                        "$patch: {}",
                        v.as_str().unwrap_or("(not a string)")
                    )),
                    "$retainKeys" => Some(k.clone()),
                    k if k.starts_with("$setElementOrder/") => Some("$setElementOrder/…".into()),
                    k if k.starts_with("$deleteFromPrimitiveList/") => {
                        Some("$deleteFromPrimitiveList/…".into())
                    }
                    k if k.starts_with('$') => Some("malformed directive key".into()),
                    _ if v.is_null() => Some("null".into()),
                    _ => None,
                };
                if let Some(name) = name {
                    *counts.entry(name).or_default() += 1;
                }
                count_directives(v, counts);
            }
        }
        Value::Array(l) => l.iter().for_each(|v| count_directives(v, counts)),
        _ => {}
    }
}

#[test]
fn seeded_corpus_matches_go() {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let seed = env("SMP_CORPUS_SEED").unwrap_or(SEED);
    let cases_n = env("SMP_CORPUS_CASES").map_or(CASES, |n| n as usize);
    let mut rng = corpus::Rng::new(seed);
    let mut cases = Vec::with_capacity(cases_n);
    for _ in 0..cases_n {
        let (api_version, kind, original) = corpus::original(&mut rng);
        let schema = patch_meta::lookup(api_version, kind).expect("kind in the table");
        let patch = corpus::patch(&mut rng, &original, schema);
        cases.push((api_version, kind, original, patch));
    }
    let ours: Vec<Result<Value, String>> =
        cases.iter().map(|(v, k, o, p)| ours(v, k, o, p)).collect();
    let errors = ours.iter().filter(|r| r.is_err()).count();
    let changed = cases
        .iter()
        .zip(&ours)
        .filter(|((_, _, o, _), r)| r.as_ref().is_ok_and(|r| *r != normalize(o)))
        .count();
    eprintln!(
        "{cases_n} cases (seed {seed:#x}): {errors} errors, {changed} changed objects, {} unchanged",
        cases_n - errors - changed
    );
    let mut counts = BTreeMap::new();
    for (_, _, _, patch) in &cases {
        count_directives(patch, &mut counts);
    }
    eprintln!("directives in the patches: {counts:?}");
    // The corpus exercises both outcomes and every directive.
    assert!(
        errors > cases_n / 50 && errors < cases_n / 2,
        "{errors} errors"
    );
    assert!(changed > cases_n / 2, "{changed} changed");
    for directive in [
        "$patch: delete",
        "$patch: replace",
        "$patch: merge",
        "$patch: bogus",
        "$retainKeys",
        "$setElementOrder/…",
        "$deleteFromPrimitiveList/…",
        "malformed directive key",
        "null",
    ] {
        let n = counts.get(directive).copied().unwrap_or(0);
        assert!(
            n * 300 >= cases_n,
            "{directive}: only {n} in {cases_n} cases"
        );
    }

    let Some(bin) = oracle::binary() else {
        return;
    };
    let go_cases: Vec<oracle::Case<'_>> = cases
        .iter()
        .map(|(api_version, kind, original, patch)| oracle::Case {
            api_version,
            kind,
            original,
            patch,
        })
        .collect();
    let go = oracle::apply_all(bin, &go_cases, RUNS);

    // Disagreements get a second chance with many more Go runs (an outcome of Go's that
    // depends on map order may not have shown in the first runs).
    let suspects: Vec<usize> = (0..cases_n)
        .filter(|i| !agrees(&ours[*i], &go[*i], true))
        .collect();
    let retry_cases: Vec<oracle::Case<'_>> = suspects
        .iter()
        .map(|i| oracle::Case { ..go_cases[*i] })
        .collect();
    let retried = oracle::apply_all(bin, &retry_cases, 200);
    let mut results = Vec::new();
    let mut message_only = 0;
    for (i, go) in suspects.iter().zip(retried) {
        if agrees(&ours[*i], &go, true) {
            continue;
        }
        if agrees(&ours[*i], &go, false) {
            message_only += 1;
        }
        results.push((*i, go));
    }
    let nondeterministic = go.iter().filter(|r| r.len() > 1).count();
    eprintln!(
        "Go: {nondeterministic} cases with more than one outcome over {RUNS} runs; {} suspects \
         after {RUNS} runs, {} disagreements after 200 ({message_only} only in the error text)",
        suspects.len(),
        results.len()
    );
    for (i, go) in results.iter().take(5) {
        let (v, k, o, p) = &cases[*i];
        eprintln!(
            "case {i} ({v} {k}):\noriginal: {o}\npatch:    {p}\nours:     {:?}\ngo:       {go:?}\n",
            ours[*i]
        );
    }
    assert!(
        results.is_empty(),
        "{} of {cases_n} cases disagree with Go",
        results.len()
    );
}

/// Two-way patches (`CreateTwoWayMergePatch`) between an original of the corpus and a
/// modified object: the original patched by a corpus patch, or another original of the kind.
#[test]
fn two_way_patches_match_go() {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let seed = env("SMP_CORPUS_SEED").unwrap_or(SEED) ^ 0x2_7A7;
    #[allow(non_snake_case)]
    let PAIRS = env("SMP_CORPUS_CASES").map_or(3000, |n| n as usize / 2);
    let mut rng = corpus::Rng::new(seed);
    let mut pairs = Vec::with_capacity(PAIRS);
    while pairs.len() < PAIRS {
        let (api_version, kind, original) = corpus::original(&mut rng);
        let modified = if rng.chance(20) {
            loop {
                let (v, k, other) = corpus::original(&mut rng);
                if (v, k) == (api_version, kind) {
                    break other;
                }
            }
        } else {
            let schema = patch_meta::lookup(api_version, kind).expect("kind in the table");
            let patch = corpus::patch(&mut rng, &original, schema);
            match patch_meta::strategic_merge(api_version, kind, &original, &patch) {
                Ok(modified) => modified,
                Err(_) => continue,
            }
        };
        pairs.push((api_version, kind, original, modified));
    }
    let ours: Vec<Result<Value, String>> = pairs
        .iter()
        .map(|(v, k, o, m)| {
            patch_meta::create_two_way_merge_patch(v, k, o, m)
                .map(|p| normalize(&p))
                .map_err(|e| e.to_string())
        })
        .collect();
    // Applying our patch to the original gives the modified object (up to the `null`s a
    // patch can't carry into a result).
    let mut round_trips = 0;
    for ((v, k, o, m), p) in pairs.iter().zip(&ours) {
        if let Ok(p) = p
            && ours_apply(v, k, o, p).is_ok_and(|r| r == normalize(&without_nulls(m)))
        {
            round_trips += 1;
        }
    }
    let errors = ours.iter().filter(|r| r.is_err()).count();
    eprintln!(
        "{PAIRS} two-way patches: {errors} errors, {round_trips} round trips to the modified object"
    );
    assert!(round_trips * 10 >= PAIRS * 9, "{round_trips} round trips");

    let Some(bin) = oracle::binary() else {
        return;
    };
    let cases: Vec<oracle::Case<'_>> = pairs
        .iter()
        .map(|(api_version, kind, original, modified)| oracle::Case {
            api_version,
            kind,
            original,
            patch: modified,
        })
        .collect();
    let go = oracle::diff_all(bin, &cases, RUNS);
    // As for applying: a second chance with many Go runs where Go's map order may matter
    // (a modified object with a key such as `$setElementOrder/x` next to a list `x`).
    let suspects: Vec<usize> = (0..PAIRS)
        .filter(|i| !agrees(&ours[*i], &go[*i], true))
        .collect();
    let retry: Vec<oracle::Case<'_>> = suspects
        .iter()
        .map(|i| oracle::Case { ..cases[*i] })
        .collect();
    let retried = oracle::diff_all(bin, &retry, 200);
    let disagreements: Vec<usize> = suspects
        .iter()
        .zip(&retried)
        .filter(|(i, go)| !agrees(&ours[**i], go, true))
        .map(|(i, _)| *i)
        .collect();
    for i in disagreements.iter().take(5) {
        let (v, k, o, m) = &pairs[*i];
        eprintln!(
            "pair {i} ({v} {k}):\noriginal: {o}\nmodified: {m}\nours:     {:?}\ngo:       {:?}\n",
            ours[*i], go[*i]
        );
    }
    assert!(
        disagreements.is_empty(),
        "{} of {PAIRS} two-way patches disagree with Go",
        disagreements.len()
    );
}

/// Three-way patches (`kubectl apply`'s client-side patch) against Go's
/// `CreateThreeWayMergePatch`: seeded triples of a last-applied configuration, a new one and a
/// live object that others changed, with and without `overwrite`. The same patch, or both a
/// conflict, or the same error message.
#[test]
fn three_way_patches_match_go() {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let seed = env("SMP_CORPUS_SEED").unwrap_or(SEED) ^ 0x3_3A7;
    #[allow(non_snake_case)]
    let TRIPLES = env("SMP_CORPUS_CASES").map_or(2000, |n| n as usize / 3);
    let mut rng = corpus::Rng::new(seed);
    let mut triples = Vec::with_capacity(TRIPLES);
    // Two edits of one object: what the user changed and what others changed.
    let edit = |rng: &mut corpus::Rng, v: &str, k: &str, base: &Value| -> Option<Value> {
        let schema = patch_meta::lookup(v, k).expect("kind in the table");
        let patch = corpus::patch(rng, base, schema);
        patch_meta::strategic_merge(v, k, base, &patch).ok()
    };
    while triples.len() < TRIPLES {
        let (v, k, original) = corpus::original(&mut rng);
        let (Some(modified), Some(current)) = (
            edit(&mut rng, v, k, &original),
            edit(&mut rng, v, k, &original),
        ) else {
            continue;
        };
        let overwrite = rng.chance(50);
        triples.push((v, k, original, modified, current, overwrite));
    }
    let ours: Vec<Result<Value, String>> = triples
        .iter()
        .map(|(v, k, o, m, c, w)| {
            patch_meta::create_three_way_merge_patch(v, k, o, m, c, *w, &[])
                .map(|p| normalize(&p))
                .map_err(|e| e.to_string())
        })
        .collect();
    let conflicts = ours
        .iter()
        .filter(|r| r.as_ref().is_err_and(|e| e.starts_with("patch:")))
        .count();
    let errors = ours.iter().filter(|r| r.is_err()).count();
    eprintln!(
        "{TRIPLES} three-way patches: {conflicts} conflicts, {} other errors",
        errors - conflicts
    );
    // Some of each, or the corpus is not exercising the conflict check.
    assert!(
        conflicts > 0 && conflicts < TRIPLES / 2,
        "{conflicts} conflicts"
    );

    let Some(bin) = oracle::binary() else {
        return;
    };
    let cases: Vec<oracle::Case3<'_>> = triples
        .iter()
        .map(
            |(api_version, kind, original, modified, current, overwrite)| oracle::Case3 {
                api_version,
                kind,
                original,
                modified,
                current,
                overwrite: *overwrite,
            },
        )
        .collect();
    // Conflict messages print the two maps (YAML in Go, JSON here): compare their class.
    let same = |ours: &Result<Value, String>, go: &[Result<Value, String>]| {
        let conflict = |m: &str| m.starts_with("patch:\n");
        agrees(ours, go, true)
            || go.iter().any(|g| match (ours, g) {
                (Err(a), Err(b)) => conflict(a) && conflict(b),
                _ => false,
            })
    };
    let go = oracle::diff3_all(bin, &cases, RUNS);
    let suspects: Vec<usize> = (0..TRIPLES).filter(|i| !same(&ours[*i], &go[*i])).collect();
    let retry: Vec<oracle::Case3<'_>> = suspects
        .iter()
        .map(|i| oracle::Case3 { ..cases[*i] })
        .collect();
    let retried = oracle::diff3_all(bin, &retry, 200);
    let disagreements: Vec<usize> = suspects
        .iter()
        .zip(&retried)
        .filter(|(i, go)| !same(&ours[**i], go))
        .map(|(i, _)| *i)
        .collect();
    for i in disagreements.iter().take(5) {
        let (v, k, o, m, c, w) = &triples[*i];
        eprintln!(
            "triple {i} ({v} {k}, overwrite {w}):\noriginal: {o}\nmodified: {m}\ncurrent:  {c}\nours:     {:?}\ngo:       {:?}\n",
            ours[*i], go[*i]
        );
    }
    assert!(
        disagreements.is_empty(),
        "{} of {TRIPLES} three-way patches disagree with Go",
        disagreements.len()
    );
}

/// JSON merge patches (any kind, custom resources included) against Go: the two-way diff
/// (evanphx/json-patch's `CreateMergePatch`) and the three-way patch of `kubectl apply` for
/// custom resources (`jsonmergepatch.CreateThreeWayJSONMergePatch`), on seeded triples.
#[test]
fn json_merge_patches_match_go() {
    use k8s_apimachinery::jsonmergepatch;
    let mut rng = corpus::Rng::new(SEED ^ 0x4_4A7);
    let edit = |rng: &mut corpus::Rng, v: &str, k: &str, base: &Value| -> Option<Value> {
        let schema = patch_meta::lookup(v, k).expect("kind in the table");
        let patch = corpus::patch(rng, base, schema);
        patch_meta::strategic_merge(v, k, base, &patch).ok()
    };
    let mut triples = Vec::new();
    while triples.len() < 1500 {
        let (v, k, original) = corpus::original(&mut rng);
        let (Some(modified), Some(current)) = (
            edit(&mut rng, v, k, &original),
            edit(&mut rng, v, k, &original),
        ) else {
            continue;
        };
        triples.push((v, k, original, modified, current));
    }
    let two: Vec<Result<Value, String>> = triples
        .iter()
        .map(|(_, _, o, m, _)| Ok(normalize(&jsonmergepatch::create_merge_patch(o, m))))
        .collect();
    // The two-way patch turns the original into the modified object.
    for ((_, _, o, m, _), p) in triples.iter().zip(&two) {
        let doc = rfc7386_apply(o, p.as_ref().unwrap());
        assert_eq!(
            normalize(&doc),
            normalize(&without_nulls(m)),
            "merge patch {p:?} of {o}"
        );
    }
    let three: Vec<Result<Value, String>> = triples
        .iter()
        .map(|(_, _, o, m, c)| {
            jsonmergepatch::create_three_way_merge_patch(o, m, c, &[])
                .map(|p| normalize(&p))
                .map_err(|e| e.to_string())
        })
        .collect();
    let Some(bin) = oracle::binary() else {
        return;
    };
    let cases: Vec<oracle::Case3<'_>> = triples
        .iter()
        .map(
            |(api_version, kind, original, modified, current)| oracle::Case3 {
                api_version,
                kind,
                original,
                modified,
                current,
                overwrite: false,
            },
        )
        .collect();
    for (mode, ours) in [("merge2", &two), ("merge3", &three)] {
        let go = oracle::merge_all(bin, mode, &cases);
        let bad: Vec<usize> = (0..cases.len())
            .filter(|i| !agrees(&ours[*i], &go[*i], true))
            .collect();
        for i in bad.iter().take(3) {
            let (_, _, o, m, c) = &triples[*i];
            eprintln!(
                "{mode} {i}:\noriginal: {o}\nmodified: {m}\ncurrent:  {c}\nours: {:?}\ngo:   {:?}\n",
                ours[*i], go[*i]
            );
        }
        assert!(
            bad.is_empty(),
            "{mode}: {} of {} disagree with Go",
            bad.len(),
            cases.len()
        );
    }
}

/// The cases of k8s-apimachinery's two-way unit tests, on the real kinds, against Go.
#[test]
fn two_way_examples() {
    let examples = examples::two_way();
    for (v, k, original, modified, want) in &examples {
        let got = patch_meta::create_two_way_merge_patch(v, k, original, modified)
            .map_err(|e| e.to_string());
        assert_eq!(
            got,
            want.clone().map_err(str::to_string),
            "ours, {modified}"
        );
    }
    let Some(bin) = oracle::binary() else {
        return;
    };
    let cases: Vec<oracle::Case<'_>> = examples
        .iter()
        .map(|(api_version, kind, original, modified, _)| oracle::Case {
            api_version,
            kind,
            original,
            patch: modified,
        })
        .collect();
    for ((_, _, _, modified, want), go) in examples.iter().zip(oracle::diff_all(bin, &cases, 1)) {
        let want = want.clone().map(|v| normalize(&v)).map_err(str::to_string);
        let go = go.into_iter().next().expect("one outcome");
        assert_eq!(go.map(|v| normalize(&v)), want, "Go, {modified}");
    }
}

fn ours_apply(v: &str, k: &str, original: &Value, patch: &Value) -> Result<Value, String> {
    ours(v, k, original, patch)
}

/// The value without `null` members of objects.
/// RFC 7386: applies a merge patch.
fn rfc7386_apply(doc: &Value, patch: &Value) -> Value {
    let (Value::Object(d), Value::Object(p)) = (doc, patch) else {
        return without_nulls(patch);
    };
    let mut out = d.clone();
    for (k, pv) in p {
        if pv.is_null() {
            out.remove(k);
        } else {
            let merged = rfc7386_apply(out.get(k).unwrap_or(&Value::Null), pv);
            out.insert(k.clone(), merged);
        }
    }
    Value::Object(out)
}

fn without_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(l) => Value::Array(l.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

#[test]
fn directive_examples() {
    let examples = examples::apply();
    for (api_version, kind, original, patch, want) in &examples {
        let got = ours(api_version, kind, original, patch);
        let want = want.clone().map(|v| normalize(&v)).map_err(str::to_string);
        assert_eq!(got, want, "ours, {kind} {patch}");
    }
    let Some(bin) = oracle::binary() else {
        return;
    };
    let cases: Vec<oracle::Case<'_>> = examples
        .iter()
        .map(|(api_version, kind, original, patch, _)| oracle::Case {
            api_version,
            kind,
            original,
            patch,
        })
        .collect();
    let go = oracle::apply_all(bin, &cases, 1);
    for ((_, kind, _, patch, want), go) in examples.iter().zip(go) {
        let want = want.clone().map(|v| normalize(&v)).map_err(str::to_string);
        let go = go.into_iter().next().expect("one outcome");
        assert_eq!(go.map(|v| normalize(&v)), want, "Go, {kind} {patch}");
    }
}

/// Every struct reachable from the table's kinds: schema name → field → (strategy, merge key).
fn table_tags() -> BTreeMap<String, BTreeMap<String, (String, String)>> {
    fn walk(schema: PatchSchema, out: &mut BTreeMap<String, BTreeMap<String, (String, String)>>) {
        if let Some(elem) = schema.element() {
            return walk(elem, out);
        }
        let Some(name) = schema.name() else { return };
        if out.contains_key(name) {
            return;
        }
        let mut fields = BTreeMap::new();
        out.insert(name.to_string(), BTreeMap::new());
        for f in schema.fields() {
            let strategy = match (f.strategy(), f.retain_keys()) {
                (PatchStrategy::Default, false) => "",
                (PatchStrategy::Default, true) => "retainKeys",
                (PatchStrategy::Merge, false) => "merge",
                (PatchStrategy::Merge, true) => "merge,retainKeys",
                (PatchStrategy::Replace, _) => "replace",
            };
            let key = f.merge_key().unwrap_or("");
            if !strategy.is_empty() || !key.is_empty() {
                fields.insert(
                    f.json_name().to_string(),
                    (strategy.to_string(), key.to_string()),
                );
            }
            walk(f.schema(), out);
        }
        out.insert(name.to_string(), fields);
    }
    let mut out = BTreeMap::new();
    for (_, _, schema) in patch_meta::kinds() {
        walk(schema, &mut out);
    }
    out
}

#[test]
fn patch_metadata_matches_go_struct_tags() {
    let ours = table_tags();
    let tagged: usize = ours.values().map(BTreeMap::len).sum();
    assert!(tagged > 80, "{tagged} tagged fields");
    let Some(bin) = oracle::binary() else {
        return;
    };
    let go = oracle::meta(bin);
    let go_kinds: BTreeSet<String> = go["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    // Every kind of the table is a Go type (the Go scheme also has option and list kinds).
    let missing: Vec<String> = patch_meta::kinds()
        .map(|(v, k, _)| format!("{v} {k}"))
        .filter(|k| !go_kinds.contains(k))
        .collect();
    assert!(missing.is_empty(), "kinds without a Go type: {missing:?}");

    let go_types = go["types"].as_object().unwrap();
    let mut compared = 0;
    let mut differences = Vec::new();
    for (name, fields) in &ours {
        let Some(go_fields) = go_types.get(name).and_then(Value::as_object) else {
            continue;
        };
        compared += 1;
        let go_fields: BTreeMap<String, (String, String)> = go_fields
            .iter()
            .map(|(k, v)| {
                let s = |f: &str| v[f].as_str().unwrap_or_default().to_string();
                (k.clone(), (s("strategy"), s("mergeKey")))
            })
            .collect();
        if *fields != go_fields {
            differences.push(format!("{name}: ours {fields:?}, Go {go_fields:?}"));
        }
    }
    eprintln!(
        "{compared} of {} structs compared with their Go type, {tagged} tagged fields",
        ours.len()
    );
    assert!(compared * 10 >= ours.len() * 9, "{compared} compared");
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}
