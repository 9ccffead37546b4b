//! Scenario `codec` on k8s-openapi types (what kube-rs decodes into): the same operations and
//! iteration counts as the harness's `codec.rs`. Untyped is kube's `DynamicObject`.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::core::{DynamicObject, ObjectList};

use crate::common::{Flags, Report, names_checksum};

#[path = "../../../harness/src/codec_ops.rs"]
mod codec_ops;
use codec_ops::OPS;

fn read(dir: &Path, name: &str) -> Result<Vec<u8>> {
    let path = dir.join(name);
    std::fs::read(&path).with_context(|| format!("reading {} (run `gen` first)", path.display()))
}

fn time<T>(
    report: &mut Report,
    name: &str,
    iters: u32,
    mut f: impl FnMut() -> Result<T>,
) -> Result<()> {
    let start = Instant::now();
    for _ in 0..iters {
        black_box(f()?);
    }
    report.metric(
        &format!("{name}_us"),
        start.elapsed().as_secs_f64() * 1e6 / f64::from(iters),
    );
    Ok(())
}

/// Runs the scenario.
pub fn run(flags: &Flags) -> Result<Report> {
    let dir = std::path::PathBuf::from(flags.str("inputs", "target/bench/inputs"));
    let scale: f64 = flags.num("scale", 1.0)?;
    let iters = |name: &str| -> u32 {
        let base = OPS.iter().find(|(n, _)| *n == name).map_or(1, |(_, i)| *i);
        ((f64::from(base) * scale).round() as u32).max(1)
    };
    let pod2k = read(&dir, "pod-2k.json")?;
    let pod10k = read(&dir, "pod-10k.json")?;
    let pod10k_yaml = read(&dir, "pod-10k.yaml")?;
    let list10k = read(&dir, "podlist-10k.json")?;
    let list1k_yaml = read(&dir, "podlist-1k.yaml")?;
    let cm1m = read(&dir, "configmap-1m.json")?;
    let mut r = Report::default();
    let list: ObjectList<Pod> = serde_json::from_slice(&list10k)?;
    r.check("podlist10k_count", list.items.len());
    r.check(
        "podlist10k_names",
        names_checksum(
            list.items
                .iter()
                .map(|p| p.metadata.name.clone().unwrap_or_default()),
        ),
    );
    let yaml_list: ObjectList<Pod> = serde_yaml::from_slice(&list1k_yaml)?;
    r.check("podlist1k_yaml_count", yaml_list.items.len());
    r.check(
        "podlist1k_yaml_names",
        names_checksum(
            yaml_list
                .items
                .iter()
                .map(|p| p.metadata.name.clone().unwrap_or_default()),
        ),
    );
    let dyn_list: ObjectList<DynamicObject> = serde_json::from_slice(&list10k)?;
    r.check("podlist10k_dyn_count", dyn_list.items.len());
    r.check(
        "podlist10k_dyn_names",
        names_checksum(
            dyn_list
                .items
                .iter()
                .map(|p| p.metadata.name.clone().unwrap_or_default()),
        ),
    );
    let pod: Pod = serde_json::from_slice(&pod10k)?;
    r.check(
        "pod10k_containers",
        pod.spec.as_ref().map_or(0, |s| s.containers.len()),
    );
    let cm: ConfigMap = serde_json::from_slice(&cm1m)?;
    r.check("cm1m_keys", cm.data.as_ref().map_or(0, |d| d.len()));
    let small: Pod = serde_json::from_slice(&pod2k)?;
    let dynamic: DynamicObject = serde_json::from_slice(&pod10k)?;
    time(
        &mut r,
        "pod2k_decode_json",
        iters("pod2k_decode_json"),
        || Ok(serde_json::from_slice::<Pod>(&pod2k)?),
    )?;
    time(
        &mut r,
        "pod2k_encode_json",
        iters("pod2k_encode_json"),
        || Ok(serde_json::to_vec(&small)?),
    )?;
    time(
        &mut r,
        "pod10k_decode_json",
        iters("pod10k_decode_json"),
        || Ok(serde_json::from_slice::<Pod>(&pod10k)?),
    )?;
    time(
        &mut r,
        "pod10k_encode_json",
        iters("pod10k_encode_json"),
        || Ok(serde_json::to_vec(&pod)?),
    )?;
    time(
        &mut r,
        "podlist10k_decode_json",
        iters("podlist10k_decode_json"),
        || Ok(serde_json::from_slice::<ObjectList<Pod>>(&list10k)?),
    )?;
    time(
        &mut r,
        "podlist10k_encode_json",
        iters("podlist10k_encode_json"),
        || Ok(serde_json::to_vec(&list)?),
    )?;
    time(
        &mut r,
        "cm1m_decode_json",
        iters("cm1m_decode_json"),
        || Ok(serde_json::from_slice::<ConfigMap>(&cm1m)?),
    )?;
    time(
        &mut r,
        "cm1m_encode_json",
        iters("cm1m_encode_json"),
        || Ok(serde_json::to_vec(&cm)?),
    )?;
    time(
        &mut r,
        "pod10k_decode_yaml",
        iters("pod10k_decode_yaml"),
        || Ok(serde_yaml::from_slice::<Pod>(&pod10k_yaml)?),
    )?;
    time(
        &mut r,
        "pod10k_encode_yaml",
        iters("pod10k_encode_yaml"),
        || Ok(serde_yaml::to_string(&pod)?),
    )?;
    time(
        &mut r,
        "podlist1k_decode_yaml",
        iters("podlist1k_decode_yaml"),
        || Ok(serde_yaml::from_slice::<ObjectList<Pod>>(&list1k_yaml)?),
    )?;
    time(
        &mut r,
        "pod10k_decode_dyn",
        iters("pod10k_decode_dyn"),
        || Ok(serde_json::from_slice::<DynamicObject>(&pod10k)?),
    )?;
    time(
        &mut r,
        "pod10k_encode_dyn",
        iters("pod10k_encode_dyn"),
        || Ok(serde_json::to_vec(&dynamic)?),
    )?;
    time(
        &mut r,
        "podlist10k_decode_dyn",
        iters("podlist10k_decode_dyn"),
        || {
            Ok(serde_json::from_slice::<ObjectList<DynamicObject>>(
                &list10k,
            )?)
        },
    )?;
    Ok(r)
}
