//! Quantity tests: apimachinery's own tables, plus a table of ~2,400 inputs with the results
//! apimachinery v0.37.2 gives for them (`testdata/go_oracle.tsv`: input, `String()`, `Value()`,
//! `MilliValue()`, or `ERR`).

use super::*;

fn q(s: &str) -> Quantity {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn go_oracle_table() {
    let data = include_str!("testdata/go_oracle.tsv");
    let mut checked = 0;
    for line in data.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let input = cols[0].trim_matches('"');
        let got = input.parse::<Quantity>();
        if cols[1] == "ERR" {
            assert!(got.is_err(), "{input:?} parsed as {:?}, Go rejects it", got);
            continue;
        }
        let got = match got {
            Ok(g) => g,
            Err(e) => {
                // Our documented limit: more than 38 significant digits at nano precision.
                assert!(
                    matches!(
                        e,
                        Error::QuantityBeyondLimit {
                            limit: QuantityLimit::SignificantDigits,
                            ..
                        }
                    ),
                    "{input:?}: {e}"
                );
                continue;
            }
        };
        let s = got.to_string();
        if s != cols[1] {
            // Documented deviation: decimal SI beyond `E` keeps its exponent.
            assert!(
                got.format() == Format::DecimalSI && s.contains('e'),
                "{input:?}: we render {s:?}, Go renders {:?}",
                cols[1]
            );
        }
        // Go's integer conversions overflow silently (also in intermediate nano-scaled values);
        // ours saturate. Compare where Go cannot overflow.
        // Go also rounds negative fractions differently depending on its internal
        // representation (towards or away from zero); we always round away from zero, so
        // negative values are compared only when exact.
        let (v, mv): (i64, i64) = (cols[2].parse().unwrap(), cols[3].parse().unwrap());
        let negative_inexact = |scale: i32| {
            got.signum() < 0
                && got.clone().checked_mul(1).is_some_and(|x| {
                    let (_, e) = x.as_decimal();
                    e < scale
                })
        };
        if got.value().unsigned_abs() < i64::MAX as u64 / 1_000_000_000 && !negative_inexact(0) {
            assert_eq!(got.value(), v, "{input:?} value");
        }
        if got.milli_value().unsigned_abs() < i64::MAX as u64 / 1_000_000 && !negative_inexact(-3) {
            assert_eq!(got.milli_value(), mv, "{input:?} milli");
        }
        // Parse -> render -> parse keeps the value.
        assert_eq!(q(&s), got, "{input:?} -> {s:?}");
        checked += 1;
    }
    assert!(checked > 1500, "{checked}");
}

#[test]
fn parse_table_values_and_formats() {
    use Format::*;
    // (input, mantissa, exponent, format), from apimachinery's TestQuantityParse.
    let table: &[(&str, i128, i32, Format)] = &[
        ("0", 0, 0, DecimalSI),
        ("0n", 0, 0, DecimalSI),
        ("0Ki", 0, 0, BinarySI),
        ("1", 1, 0, DecimalSI),
        ("1Ki", 1024, 0, BinarySI),
        ("8Ki", 8 * 1024, 0, BinarySI),
        ("7Mi", 7 << 20, 0, BinarySI),
        ("6Gi", 6 << 30, 0, BinarySI),
        ("5Ti", 5 << 40, 0, BinarySI),
        ("4Pi", 4 << 50, 0, BinarySI),
        ("3Ei", 3 << 60, 0, BinarySI),
        ("100Ti", 100 << 40, 0, BinarySI),
        ("5n", 5, -9, DecimalSI),
        ("4u", 4, -6, DecimalSI),
        ("3m", 3, -3, DecimalSI),
        ("8k", 8, 3, DecimalSI),
        ("50k", 5, 4, DecimalSI),
        ("40T", 4, 13, DecimalSI),
        ("1E", 1, 18, DecimalSI),
        ("1E-3", 1, -3, DecimalExponent),
        ("1e3", 1, 3, DecimalExponent),
        ("1E18", 1, 18, DecimalExponent),
        ("1e14", 1, 14, DecimalExponent),
        ("100.035k", 100035, 0, DecimalSI),
        ("0.001", 1, -3, DecimalSI),
        ("0.0005k", 5, -1, DecimalSI),
        ("0.00050k", 5, -1, DecimalSI),
        ("0.5e0", 5, -1, DecimalExponent),
        ("0.5e-2", 5, -3, DecimalExponent),
        ("10.035M", 10035, 3, DecimalSI),
        ("1.3E+6", 13, 5, DecimalExponent),
        ("1.53E12", 153, 10, DecimalExponent),
        ("7.123456M", 7123456, 0, DecimalSI),
        ("6.987654321G", 6987654321, 0, DecimalSI),
        ("1.01E", 101, 16, DecimalSI),
        ("3.001n", 4, -9, DecimalSI),
        ("1.1E-9", 2, -9, DecimalExponent),
        ("0.0000000001", 1, -9, DecimalSI),
        ("0.5e-9", 1, -9, DecimalExponent),
        ("0.9n", 1, -9, DecimalSI),
        ("0.00000012345", 124, -9, DecimalSI),
        ("9Ei", i64::MAX as i128, 0, BinarySI),
        ("9223372036854775807Ki", i64::MAX as i128, 0, BinarySI),
        ("12E", 12, 18, DecimalSI),
        ("100.035Ki", 10243584, -2, BinarySI),
        ("0.5Mi", 524288, 0, BinarySI),
        ("0.05Gi", 536870912, -1, BinarySI),
        ("0.025Ti", 274877906944, -1, BinarySI),
        ("0.000000000001Ki", 2, -9, DecimalSI),
        (".001", 1, -3, DecimalSI),
        (".0001k", 100, -3, DecimalSI),
        ("1.", 1, 0, DecimalSI),
        ("1.G", 1, 9, DecimalSI),
    ];
    for &(input, m, e, format) in table {
        let want = Quantity::from_dec(Dec { m, e }, format);
        for prefix in ["", "+", "-"] {
            let got = q(&format!("{prefix}{input}"));
            let want = if prefix == "-" {
                -want.clone()
            } else {
                want.clone()
            };
            assert_eq!(got, want, "{prefix}{input}");
            assert_eq!(got.format(), format, "{prefix}{input}");
        }
    }
}

#[test]
fn rejects_what_apimachinery_rejects() {
    for (input, pos) in [
        ("", 0),
        ("1.1.M", 3),
        ("1+1.0M", 3),
        ("0.1mi", 3),
        ("0.1am", 3),
        ("aoeu", 0),
        (".5i", 2),
        ("1i", 1),
        ("-3.01i", 5),
        ("-3.01e-", 5),
        (" 1", 0),
        ("1 ", 1),
        ("1e", 1),
        // Beyond an i64 exponent Go's `ParseInt` fails too: a bad suffix.
        ("1e99999999999999999999", 1),
    ] {
        match input.parse::<Quantity>() {
            Err(Error::InvalidQuantity {
                input: i, position, ..
            }) => {
                assert_eq!(i, input);
                assert_eq!(position, pos, "{input:?}");
            }
            other => panic!("{input:?}: {other:?}"),
        }
    }
}

#[test]
fn limits_are_typed_errors() {
    for (input, limit) in [
        ("1e99999999999", QuantityLimit::ExponentRange),
        ("1e-2147483649", QuantityLimit::ExponentRange),
        ("10e2147483647", QuantityLimit::ExponentRange),
        (
            "123456789012345678901234567890.123456789",
            QuantityLimit::SignificantDigits,
        ),
        (
            "99999999999999999999999999999999999999.5",
            QuantityLimit::SignificantDigits,
        ),
    ] {
        match input.parse::<Quantity>() {
            Err(Error::QuantityBeyondLimit { input: i, limit: l }) => {
                assert_eq!((i.as_str(), l), (input, limit));
            }
            other => panic!("{input:?}: {other:?}"),
        }
    }
    // Within the limits: 38 digits, and the largest i32 exponents.
    assert_eq!(
        q("12345678901234567890123456789.123456789").as_decimal(),
        (12345678901234567890123456789123456789, -9)
    );
    assert_eq!(q("1e2147483647").as_decimal(), (1, i32::MAX));
    assert_eq!(q("1e-2147483648").as_decimal(), (1, -9));
    // Arithmetic: the operators round, the checked forms name the limit.
    let (big, small) = (q("1e30"), q("1n"));
    assert!(matches!(
        big.checked_add(&small),
        Err(Error::QuantityBeyondLimit {
            limit: QuantityLimit::SignificantDigits,
            ..
        })
    ));
    assert!(big.checked_sub(&small).is_err());
    // `+` keeps 38 digits and rounds the rest away from zero: 1e30 + 1e-7.
    assert_eq!(
        (big.clone() + small.clone()).as_decimal(),
        (10i128.pow(37) + 1, -7)
    );
    assert_eq!(
        q("1e20").checked_add(&small).unwrap().as_decimal(),
        (100000000000000000000000000001, -9)
    );
    assert_eq!(q("5").checked_sub(&q("7")).unwrap(), q("-2"));
}

#[test]
fn binary_si_is_computed_exactly_then_rounded_and_capped() {
    // (input, canonical string, Value()), as Go's base-2 branch gives them: multiplied in big
    // integers, rounded up to nano precision, capped at 2^63 - 1.
    for (input, want, value) in [
        (
            "99999999999999999999999999999999999999999Ei",
            "9223372036854775807",
            i64::MAX,
        ),
        ("8Ei", "9223372036854775807", i64::MAX),
        ("7.999999999999999999999Ei", "9223372036854775807", i64::MAX),
        (
            "-100000000000000000000Ki",
            "-9223372036854775807",
            -i64::MAX,
        ),
        (
            "1.99999999999999999999999999999999999999999Gi",
            "2Gi",
            2 << 30,
        ),
        ("1.999999999999999999Gi", "2147483647999999999n", 2 << 30),
        ("0.0000000000000000000000000000000000000001Ki", "1n", 1),
        (
            "1.00000000000000000000000000000000000000001Ki",
            "1024000000001n",
            1025,
        ),
        (
            "000000000000000000000000000000000000000001.5Ki",
            "1536",
            1536,
        ),
        (
            "3.000000000000000000000000000000000000000000000Mi",
            "3Mi",
            3 << 20,
        ),
    ] {
        let got = q(input);
        assert_eq!(
            (got.to_string().as_str(), got.value()),
            (want, value),
            "{input}"
        );
    }
}

#[test]
fn binary_si_renders_big_integers_in_base_1024() {
    // Go factors 1024s out of the big integer; so do we, beyond u128 too.
    let b = |s: &str| q(s).with_format(Format::BinarySI).to_string();
    assert_eq!(b("1e30"), "931322574615478515625Gi");
    assert_eq!(b("1e40"), "9094947017729282379150390625Ti");
    assert_eq!(b("3e50"), "266453525910037569701671600341796875Pi");
    assert_eq!(b("1180591620717411303424"), "1024Ei");
    assert_eq!(b("-2048"), "-2Ki");
    assert_eq!(b("1e1001"), "100e999");
    let sum = q("1000000000Gi") + q("10000000000000000000000000000P");
    assert_eq!(sum.to_string(), "9313225746154785156250001000000000Gi");
}

#[test]
fn round_up_carries_out_of_the_digit_limit() {
    // 39 kept digits, all nines, plus a dropped fraction: rounds up to 1e30.
    let nines = format!("{}.{}", "9".repeat(30), "9".repeat(10));
    assert_eq!(q(&nines).as_decimal(), (1, 30));
    assert_eq!(q(&format!("{nines}e0")).to_string(), "1e30");
    assert_eq!(q(&format!("-{nines}")).as_decimal(), (-1, 30));
    // A carry into a non-nine digit: 1 then 38 nines, then a dropped fraction digit.
    let carried = format!("1{}.{}1", "9".repeat(29), "9".repeat(9));
    assert_eq!(q(&carried).as_decimal(), (2, 29));
    // The carry through the nines brings 39 kept digits down to 30.
    let carried = format!("1{}.{}1", "2".repeat(29), "9".repeat(9));
    assert_eq!(q(&carried).to_string(), format!("1{}3", "2".repeat(28)));
    // No carry: still more than 38 digits, a typed error.
    let long = format!("1{}.{}1", "2".repeat(29), "2".repeat(9));
    assert!(long.parse::<Quantity>().is_err());
}

#[test]
fn string_table() {
    use Format::*;
    // (mantissa, exponent, format, canonical, alternate spelling), from TestQuantityString.
    let table: &[(i128, i32, Format, &str, &str)] = &[
        (1 << 30, 0, BinarySI, "1Gi", "1024Mi"),
        (300 << 20, 0, BinarySI, "300Mi", "307200Ki"),
        (6 * 1024, 0, BinarySI, "6Ki", ""),
        (1001 << 30, 0, BinarySI, "1001Gi", "1025024Mi"),
        (1 << 40, 0, BinarySI, "1Ti", "1024Gi"),
        (5, 0, BinarySI, "5", "5000m"),
        (500, -3, BinarySI, "500m", "0.5"),
        (1, 9, DecimalSI, "1G", "1000M"),
        (1000, 6, DecimalSI, "1G", "0.001T"),
        (1000000, 3, DecimalSI, "1G", ""),
        (1, -3, DecimalSI, "1m", "1000u"),
        (80, -3, DecimalSI, "80m", ""),
        (1080, -3, DecimalSI, "1080m", "1.08"),
        (108, -2, DecimalSI, "1080m", "1080000000n"),
        (10800, -4, DecimalSI, "1080m", ""),
        (300, 6, DecimalSI, "300M", ""),
        (1234567, 6, DecimalSI, "1234567M", ""),
        (1234567, -3, BinarySI, "1234567m", ""),
        (1025, 0, BinarySI, "1025", ""),
        (0, 0, DecimalSI, "0", ""),
        (0, 0, BinarySI, "0", ""),
        (1, 9, DecimalExponent, "1e9", ".001e12"),
        (1, -3, DecimalExponent, "1e-3", "0.001e0"),
        (1, -9, DecimalExponent, "1e-9", "1000e-12"),
        (80, -3, DecimalExponent, "80e-3", ""),
        (300, 6, DecimalExponent, "300e6", ""),
        (3, 3, DecimalExponent, "3e3", ""),
        (0, 0, DecimalExponent, "0", "00"),
        (1, -9, DecimalSI, "1n", ""),
        (10800, -10, DecimalSI, "1080n", ""),
        (1080, -6, DecimalSI, "1080u", ""),
    ];
    for &(m, e, format, canonical, alternate) in table {
        let v = Quantity::from_dec(Dec { m, e }, format);
        assert_eq!(v.to_string(), canonical);
        if m != 0 {
            assert_eq!((-v.clone()).to_string(), format!("-{canonical}"));
        }
        // A canonical string renders as itself and costs no kept copy.
        let parsed = q(canonical);
        assert_eq!(parsed.to_string(), canonical);
        assert!(parsed.cached.is_none(), "{canonical} is rendered, not kept");
        if !alternate.is_empty() {
            let alt = q(alternate);
            assert!(alt.cached.is_none(), "{alternate} should not be kept");
            assert_eq!(alt.to_string(), canonical, "{alternate}");
        }
    }
    for (input, want) in [
        ("1Ki", "1Ki"),
        ("1024Mi", "1Gi"),
        ("1000M", "1G"),
        (".001Ki", "1024m"),
        (".000001Ki", "1024u"),
        (".000000001Ki", "1024n"),
        (".000000000001Ki", "2n"),
    ] {
        assert_eq!(q(input).to_string(), want);
        assert_eq!(q(&format!("-{input}")).to_string(), format!("-{want}"));
    }
}

#[test]
fn arithmetic() {
    // TestAdd / TestSub / TestAddSubRoundTrip.
    assert_eq!((q("10") + q("1")).to_string(), "11");
    assert_eq!((q("10") - q("1")).to_string(), "9");
    assert_eq!((q("1Ki") + q("1Ki")).to_string(), "2Ki");
    assert_eq!((q("0") + q("1Ki")).to_string(), "1Ki"); // zero takes the other format
    assert_eq!((q("1Mi") - q("1Mi")).to_string(), "0");
    assert_eq!((q("100m") + q("1")).to_string(), "1100m");
    assert_eq!((q("1Ki") - q("2Ki")).to_string(), "-1Ki");
    let mut a = q("1.5");
    a += q("500m");
    assert_eq!(a.to_string(), "2");
    a -= q("3");
    assert_eq!(a.to_string(), "-1");
    for x in ["1n", "123", "1.5Gi", "9Ei", "1e30", "-7m"] {
        for y in ["1n", "12345678912345678", "1Ti", "-5"] {
            let (x, y) = (q(x), q(y));
            assert_eq!(x.clone() + y.clone() - y.clone(), x);
        }
    }
    // Far-apart exponents keep the larger value and round the smaller one away.
    let big = q("1e40") + q("1n");
    assert!(big > q("1e40"));
    assert_eq!(q("3").checked_mul(4).unwrap().to_string(), "12");
    assert!(q("9Ei").checked_mul(i64::MAX).is_some());
}

#[test]
fn comparisons_and_conversions() {
    // TestQuantityCmp
    assert!(q("1k") > q("999"));
    assert!(q("-1") < q("0"));
    assert!(q("1Ki") == q("1024"));
    assert!(q("1.5") == q("1500m"));
    assert!(q("1e30") > q("9Ei"));
    assert!(q("-1e30") < q("-9Ei"));
    assert_eq!(q("1e-9").cmp(&q("1n")), Ordering::Equal);
    let mut set = std::collections::HashSet::new();
    set.insert(q("1Ki"));
    assert!(set.contains(&q("1024")));
    // Value / MilliValue round up.
    assert_eq!(q("1.1").value(), 2);
    assert_eq!(q("-1.1").value(), -2);
    assert_eq!(q("1.0001m").milli_value(), 2);
    assert_eq!(q("1Mi").as_i64(), Some(1 << 20));
    assert_eq!(q("1.5").as_i64(), None);
    assert_eq!(q("1e30").as_i64(), None);
    assert_eq!(q("1e30").value(), i64::MAX);
    assert_eq!(q("250m").as_f64(), 0.25);
    assert_eq!(q("1Ei").as_f64(), 1152921504606846976.0);
    assert_eq!(Quantity::new(1024, Format::BinarySI).to_string(), "1Ki");
    assert_eq!(
        Quantity::from_milli(1500, Format::DecimalSI).to_string(),
        "1500m"
    );
    assert_eq!(Quantity::from_scaled(5, 6).to_string(), "5M");
    assert_eq!(
        q("1536Mi").with_format(Format::DecimalSI).to_string(),
        "1610612736"
    );
}

#[test]
fn json() {
    for (json, want) in [
        (r#""100m""#, "100m"),
        (r#"" 1Gi ""#, "1Gi"),
        ("5", "5"),
        ("-12", "-12"),
        ("0.5", "500m"),
        ("null", "0"),
    ] {
        let v: Quantity = serde_json::from_str(json).unwrap();
        assert_eq!(v.to_string(), want, "{json}");
        assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{want}\""));
    }
    assert!(serde_json::from_str::<Quantity>(r#""1.1.1""#).is_err());
    assert!(serde_json::from_str::<Quantity>("true").is_err());
}

#[test]
fn quantity_is_forty_bytes() {
    // Two per container in a pod's resources: the size is part of the informer's memory budget.
    assert_eq!(std::mem::size_of::<Quantity>(), 40);
}

#[test]
fn mantissa_halves_round_trip() {
    for m in [
        0i128,
        1,
        -1,
        i128::from(u64::MAX),
        -i128::from(u64::MAX),
        10i128.pow(37),
        -(10i128.pow(37)),
        (1i128 << 64) - 1,
        -(1i128 << 64),
    ] {
        let v = Quantity::from_dec(Dec { m, e: -3 }, Format::DecimalSI);
        assert_eq!(v.dec().m, m);
        assert_eq!(v.dec().e, if m == 0 { 0 } else { -3 });
    }
}

#[test]
fn kept_input_renders_verbatim_only_when_it_differs() {
    for kept in ["+1", "1.G"] {
        let v = q(kept);
        assert_eq!(v.to_string(), kept);
        assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{kept}\""));
        assert!(v.cached.is_some(), "{kept}");
    }
    for canonical in ["0", "100m", "64Mi", "1Gi", "1500", "2e3"] {
        let v = q(canonical);
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            format!("\"{canonical}\"")
        );
        assert!(v.cached.is_none(), "{canonical}");
    }
}
