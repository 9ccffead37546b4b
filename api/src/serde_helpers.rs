//! Small serde helpers used by the generated code.

use serde::{Deserialize, Deserializer};

/// Maps decode exactly sized and sorted into a [`LiteMap`](k8s_apimachinery::LiteMap) (see
/// [`k8s_apimachinery::map`]): `optional_map` keeps `null` as `None`, `nullable_map` makes it empty.
pub use k8s_apimachinery::map::{
    nullable as nullable_map, optional as optional_map, serialize as serialize_map,
    serialize_optional as serialize_optional_map,
};

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

/// Like [`nullable`] for a list, which it returns exactly sized: a decoder grows a vector by
/// doubling (a one-element list would keep room for four), and an informer holds thousands of
/// objects for hours.
pub fn nullable_vec<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let mut v = Option::<Vec<T>>::deserialize(deserializer)?.unwrap_or_default();
    v.shrink_to_fit();
    Ok(v)
}

/// An optional list, exactly sized (see [`nullable_vec`]); `null` stays `None`.
pub fn optional_vec<'de, D, T>(deserializer: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let mut v = Option::<Vec<T>>::deserialize(deserializer)?;
    if let Some(v) = &mut v {
        v.shrink_to_fit();
    }
    Ok(v)
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

    #[derive(serde::Deserialize, Debug, Default, PartialEq)]
    struct Lists {
        #[serde(default, deserialize_with = "super::nullable_vec")]
        required: Vec<String>,
        #[serde(default, deserialize_with = "super::optional_vec")]
        optional: Option<Vec<String>>,
    }

    #[test]
    fn lists_are_exactly_sized() {
        let l: Lists =
            serde_json::from_str(r#"{"required":["a"],"optional":["b","c","d","e","f"]}"#).unwrap();
        assert_eq!(l.required, ["a"]);
        assert_eq!(l.required.capacity(), 1);
        let optional = l.optional.unwrap();
        assert_eq!(optional, ["b", "c", "d", "e", "f"]);
        assert_eq!(optional.capacity(), 5);
        let l: Lists = serde_json::from_str(r#"{"required":null,"optional":null}"#).unwrap();
        assert_eq!(l, Lists::default());
        let l: Lists = serde_json::from_str("{}").unwrap();
        assert_eq!(l, Lists::default());
    }
}
