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
