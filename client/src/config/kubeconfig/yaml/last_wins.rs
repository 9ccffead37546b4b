//! A YAML document read as a tree in which a key given twice in one mapping keeps its **last**
//! value, as Go's YAML reader (through `sigs.k8s.io/yaml`) and then `encoding/json` read it.
//!
//! serde's derived structs refuse a repeated field and `serde_yaml::Value` refuses a repeated
//! key, so a kubeconfig with `server:` written twice would be refused whole where kubectl
//! takes the second value. [`read`] builds the tree with a visitor of its own (serde_yaml hands
//! every key to the visitor and checks nothing itself) and says whether any key was repeated.

use std::cell::Cell;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_yaml::{Mapping, Value};

/// Reads one YAML document as a [`Value`], a repeated key keeping its last value. The flag is
/// set when a key was repeated somewhere in the document.
pub(in crate::config::kubeconfig) fn read<'de, D: Deserializer<'de>>(
    document: D,
    repeated: &Cell<bool>,
) -> Result<Value, D::Error> {
    Node { repeated }.deserialize(document)
}

/// Seed of one node: carries the "a key was repeated" flag down the tree.
#[derive(Clone, Copy)]
struct Node<'a> {
    repeated: &'a Cell<bool>,
}

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Sequence(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut mapping = Mapping::new();
        while let Some(key) = map.next_key_seed(self)? {
            let value = map.next_value_seed(self)?;
            // `insert` replaces the value of a key already there: the last one wins.
            if mapping.insert(key, value).is_some() {
                self.repeated.set(true);
            }
        }
        Ok(Value::Mapping(mapping))
    }

    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        // A value with a YAML tag (`!custom x`): the tag carries no meaning in a kubeconfig;
        // keep the value under it.
        use serde::de::VariantAccess as _;
        let (tag, variant): (String, _) = data.variant()?;
        let value = variant.newtype_variant_seed(self)?;
        Ok(Value::Tagged(Box::new(serde_yaml::value::TaggedValue {
            tag: serde_yaml::value::Tag::new(tag),
            value,
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Value, bool) {
        let repeated = Cell::new(false);
        let doc = serde_yaml::Deserializer::from_str(text).next().unwrap();
        (read(doc, &repeated).unwrap(), repeated.get())
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value_at_any_depth() {
        let (value, repeated) = parse("a: 1\nb:\n  c: x\n  c: y\na: 2\n");
        assert!(repeated);
        assert_eq!(value["a"], Value::Number(2.into()));
        assert_eq!(value["b"]["c"], Value::String("y".into()));
        assert_eq!(value.as_mapping().unwrap().len(), 2);
    }

    #[test]
    fn no_repeated_key_is_the_plain_tree() {
        let text = "a: [1, two, null, true]\nb: {c: 1.5}\n";
        let (value, repeated) = parse(text);
        assert!(!repeated);
        assert_eq!(value, serde_yaml::from_str::<Value>(text).unwrap());
    }
}
