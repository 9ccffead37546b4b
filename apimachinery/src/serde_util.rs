//! Small serde helpers shared by the wire types.

use serde::{Deserialize, Deserializer};

/// Deserializes `null` as `T::default()` (Go marshals a nil slice or map as `null`).
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// An optional list decoded exactly sized (a decoder grows by doubling; informers hold many
/// objects for a long time); `null` stays `None`.
pub(crate) fn optional_vec<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let mut v = Option::<Vec<T>>::deserialize(d)?;
    if let Some(v) = &mut v {
        v.shrink_to_fit();
    }
    Ok(v)
}
