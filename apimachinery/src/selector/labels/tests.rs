//! Tests of the label selector: the parse/render table and errors after apimachinery's
//! `labels/selector_test.go`, matching, conversion and the builder.

use std::collections::BTreeMap;

use super::*;
use crate::LabelSelector;

#[test]
fn parse_render_table() {
    // (input, rendering), after labels/selector_test.go TestSelectorParse.
    let cases = [
        ("", ""),
        ("x=a", "x=a"),
        ("x=a,y=b,z=c", "x=a,y=b,z=c"),
        (" x = a , y = b ", "x=a,y=b"),
        ("x!=a,y=b", "x!=a,y=b"),
        ("x=,z= ", "x=,z="),
        ("x= ,z= ", "x=,z="),
        ("!x", "!x"),
        ("x>1", "x>1"),
        ("x<7", "x<7"),
        ("x in (abc,def)", "x in (abc,def)"),
        ("x in (def,abc)", "x in (abc,def)"),
        ("x notin (b,a,b)", "x notin (a,b)"),
        ("x in (,)", "x in ()"),
        ("x in ()", "x in ()"),
        ("x==a", "x==a"),
        ("z,!x,y in (a)", "!x,y in (a),z"),
        ("x in (a,,b)", "x in (,a,b)"),
        ("in in (in)", "in in (in)"),
        ("foo/bar.baz=1", "foo/bar.baz=1"),
    ];
    for (input, want) in cases {
        let s: Selector = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(s.to_string(), want, "{input}");
        let again: Selector = want.parse().unwrap();
        assert_eq!(again, s, "{input}");
    }
}

#[test]
fn parse_errors_with_positions() {
    let cases = [
        ("x=a||y=b", 2),
        ("x==a==b", 4),
        ("!x=a", 2),
        ("x<a", 2),
        ("x in (a", 7),
        ("x in a)", 5),
        ("x=a,", 4),
        (",x=a", 0),
        ("x in (a b)", 8),
        ("x>1,z<5a", 6),
        ("x=a!b", 3),
        ("-x", 0),
        ("x=-a", 2),
        ("x)", 1),
        ("x in (a)b", 8),
    ];
    for (input, pos) in cases {
        match input.parse::<Selector>() {
            Err(Error::InvalidLabelSelector {
                position,
                input: i,
                reason,
            }) => {
                assert_eq!(i, input);
                assert_eq!(position, pos, "{input}: {reason}");
            }
            other => panic!("{input}: {other:?}"),
        }
    }
}

#[test]
fn matching_table() {
    let labels = |s: &[(&str, &str)]| -> BTreeMap<String, String> {
        s.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    // (selector, labels, matches), after TestSelectorMatches / TestEverything.
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);
    let cases: &[Case<'_>] = &[
        ("", &[("x", "y")], true),
        ("x=y", &[("x", "y")], true),
        ("x=y,z=w", &[("x", "y"), ("z", "w")], true),
        ("x!=y,z!=w", &[("x", "z"), ("z", "a")], true),
        ("notin=in", &[("notin", "in")], true),
        ("x", &[("x", "z")], true),
        ("!x", &[("y", "z")], true),
        ("x>1", &[("x", "2")], true),
        ("x<1", &[("x", "0")], true),
        ("x=z", &[], false),
        ("x=y", &[("x", "z")], false),
        ("x=y,z=w", &[("x", "w"), ("z", "w")], false),
        ("x!=y,z!=w", &[("x", "z"), ("z", "w")], false),
        ("x", &[("y", "z")], false),
        ("!x", &[("x", "z")], false),
        ("x>1", &[("x", "0")], false),
        ("x<1", &[("x", "2")], false),
        ("x>1", &[("x", "a")], false),
        ("x>1", &[], false),
        ("x in (a,b)", &[("x", "b")], true),
        ("x notin (a,b)", &[("x", "c")], true),
        ("x notin (a,b)", &[], true),
        ("x in (a,b)", &[], false),
        ("x=", &[("x", "")], true),
    ];
    for (sel, ls, want) in cases {
        let s: Selector = sel.parse().unwrap();
        assert_eq!(s.matches(&labels(ls)), *want, "{sel} vs {ls:?}");
    }
    assert!(!Selector::nothing().matches(&labels(&[])));
    assert!(Selector::everything().matches(&labels(&[])));
    let pairs = [("app", "web")];
    assert!("app=web".parse::<Selector>().unwrap().matches(&pairs[..]));
}

#[test]
fn from_label_selector() {
    let ls: LabelSelector = serde_json::from_str(
        r#"{"matchLabels":{"b":"2","a":"1"},"matchExpressions":[
            {"key":"c","operator":"In","values":["y","x"]},
            {"key":"d","operator":"NotIn","values":["z"]},
            {"key":"e","operator":"Exists"},
            {"key":"f","operator":"DoesNotExist"}]}"#,
    )
    .unwrap();
    let s = Selector::try_from(&ls).unwrap();
    assert_eq!(s.to_string(), "a=1,b=2,c in (x,y),d notin (z),e,!f");
    assert!(Selector::from_label_selector(None).unwrap().is_nothing());
    assert!(
        Selector::try_from(&LabelSelector::default())
            .unwrap()
            .is_everything()
    );
    let bad: LabelSelector = serde_json::from_str(
        r#"{"matchExpressions":[{"key":"c","operator":"Gt","values":["1"]}]}"#,
    )
    .unwrap();
    assert!(Selector::try_from(&bad).is_err());
    let empty_in: LabelSelector =
        serde_json::from_str(r#"{"matchExpressions":[{"key":"c","operator":"In"}]}"#).unwrap();
    assert!(Selector::try_from(&empty_in).is_err());
    let r = &s.requirements()[2];
    assert_eq!(r.to_label_selector_requirement().unwrap().operator, "In");
}

#[test]
fn builder_and_validation() {
    let s = Selector::builder()
        .gt("gen", 3)
        .lt("gen", 9)
        .exists("a")
        .build()
        .unwrap();
    assert_eq!(s.to_string(), "a,gen>3,gen<9");
    assert!(Selector::builder().eq("bad key", "v").build().is_err());
    assert!(Selector::builder().eq("k", "bad value!").build().is_err());
    assert!(Selector::builder().in_("k", []).build().is_err());
    assert!(Requirement::new("k", Operator::GreaterThan, ["x"]).is_err());
    assert!(Requirement::new("k", Operator::Exists, ["x"]).is_err());
    let long = format!("{}/k", "a".repeat(254));
    assert!(Requirement::new(long, Operator::Exists, Vec::<String>::new()).is_err());
    let s: Selector = "a=b,c in (d)".parse().unwrap();
    assert_eq!(s.requires_exact_match("a"), Some("b"));
    assert_eq!(s.requires_exact_match("c"), Some("d"));
    assert_eq!(s.requires_exact_match("x"), None);
    let m = BTreeMap::from([("k".to_string(), "v".to_string())]);
    assert_eq!(Selector::from_map(&m).unwrap().to_string(), "k=v");
}
