//! Small serde helpers used by the generated code.

use serde::{Deserialize, Deserializer};

/// Deserializes `null` as the type's zero value, as Go's decoder does for a nil slice, map or
/// pointer that the spec calls required (the apiserver writes `"rules": null` for an aggregated
/// ClusterRole no controller has filled yet).
pub fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize, Debug, Default, PartialEq)]
    struct S {
        #[serde(default, deserialize_with = "super::nullable")]
        v: Vec<u8>,
    }

    #[test]
    fn null_and_absent_are_empty() {
        assert_eq!(
            serde_json::from_str::<S>(r#"{"v":null}"#).unwrap(),
            S::default()
        );
        assert_eq!(serde_json::from_str::<S>("{}").unwrap(), S::default());
        assert_eq!(
            serde_json::from_str::<S>(r#"{"v":[1]}"#).unwrap().v,
            vec![1]
        );
    }
}
