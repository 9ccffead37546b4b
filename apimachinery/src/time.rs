//! Time values as the API writes them: [`Time`], [`MicroTime`] and [`Duration`].
//!
//! * [`Time`] (`metav1.Time`) is an instant written as RFC 3339 in UTC with **second**
//!   precision: `"2024-05-01T12:00:00Z"`. Sub-second parts are kept in memory but truncated when
//!   serialized, exactly as Go does. A JSON `null` means "unset": use `Option<Time>` for fields.
//! * [`MicroTime`] (`metav1.MicroTime`) is the same with exactly six fractional digits:
//!   `"2024-05-01T12:00:00.123456Z"`.
//! * [`Duration`] (`metav1.Duration`) is a signed nanosecond count written in Go's
//!   `time.Duration` syntax: `"1h2m3.5s"`, `"150ms"`, `"0s"`.
//!
//! Instants are [`jiff::Timestamp`]s: an exact UTC instant with nanosecond resolution and no time
//! zone database needed.
//!
//! ```
//! use k8s_apimachinery::{Duration, MicroTime, Time};
//!
//! let t: Time = "2024-05-01T14:00:00+02:00".parse()?;
//! assert_eq!(t.to_string(), "2024-05-01T12:00:00Z");
//! assert_eq!(serde_json::to_string(&t).unwrap(), r#""2024-05-01T12:00:00Z""#);
//!
//! let m: MicroTime = "2024-05-01T12:00:00.5Z".parse()?;
//! assert_eq!(m.to_string(), "2024-05-01T12:00:00.500000Z");
//!
//! let d: Duration = "1h2m3.5s".parse()?;
//! assert_eq!(d.as_nanos(), 3_723_500_000_000);
//! assert_eq!(d.to_string(), "1h2m3.5s");
//! # Ok::<(), k8s_apimachinery::Error>(())
//! ```

use std::fmt::{self, Write as _};
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

fn time_error(input: &str, reason: impl Into<String>) -> Error {
    Error::InvalidTime {
        input: input.to_owned(),
        reason: reason.into(),
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Fast path for the canonical `YYYY-MM-DDTHH:MM:SS[.fffffffff]Z` form the server writes.
fn parse_utc_fast(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || *b.last()? != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let mut v = 0i64;
        for &c in &b[r] {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59
    {
        return None;
    }
    let mut nanos = 0i32;
    if b.len() > 20 {
        let frac = &b[19..b.len() - 1];
        if frac.len() < 2 || frac[0] != b'.' || frac.len() > 10 {
            return None;
        }
        let mut scale = 100_000_000i32;
        for &c in &frac[1..] {
            if !c.is_ascii_digit() {
                return None;
            }
            nanos += i32::from(c - b'0') * scale;
            scale /= 10;
        }
    }
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3_600 + mi * 60 + sec;
    Timestamp::new(secs, nanos).ok()
}

fn parse_rfc3339(s: &str) -> Result<Timestamp, Error> {
    if let Some(ts) = parse_utc_fast(s) {
        return Ok(ts);
    }
    // RFC 3339 requires an offset (`Z` or `±hh:mm`); jiff's parser checks the rest.
    let has_offset = s.ends_with('Z')
        || s.ends_with('z')
        || s.len() > 6 && matches!(s.as_bytes()[s.len() - 6], b'+' | b'-');
    if !has_offset || !s.contains(['T', 't']) {
        return Err(time_error(
            s,
            "expected RFC 3339 \"YYYY-MM-DDTHH:MM:SS[.frac](Z|±hh:mm)\"",
        ));
    }
    s.parse::<Timestamp>()
        .map_err(|e| time_error(s, e.to_string()))
}

fn write_utc(out: &mut impl fmt::Write, ts: Timestamp, micros: bool) -> fmt::Result {
    let dt = jiff::tz::Offset::UTC.to_datetime(ts);
    write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )?;
    if micros {
        write!(out, ".{:06}", dt.subsec_nanosecond() / 1_000)?;
    }
    out.write_char('Z')
}

macro_rules! time_type {
    ($name:ident, $micros:expr, $what:literal) => {
        impl $name {
            /// The current time.
            pub fn now() -> Self {
                Self(Timestamp::now())
            }

            /// Wraps a timestamp.
            pub fn from_timestamp(ts: Timestamp) -> Self {
                Self(ts)
            }

            /// The instant.
            pub fn timestamp(&self) -> Timestamp {
                self.0
            }

            /// Seconds since the Unix epoch.
            pub fn as_second(&self) -> i64 {
                self.0.as_second()
            }
        }

        impl Default for $name {
            /// The Unix epoch.
            fn default() -> Self {
                Self(Timestamp::UNIX_EPOCH)
            }
        }

        impl From<Timestamp> for $name {
            fn from(ts: Timestamp) -> Self {
                Self(ts)
            }
        }

        impl From<$name> for Timestamp {
            fn from(t: $name) -> Self {
                t.0
            }
        }

        impl fmt::Display for $name {
            #[doc = concat!("Writes ", $what, ".")]
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write_utc(f, self.0, $micros)
            }
        }

        impl FromStr for $name {
            type Err = Error;

            /// Parses RFC 3339 with any offset and any number of fractional digits.
            fn from_str(s: &str) -> Result<Self, Error> {
                parse_rfc3339(s).map(Self)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut buf = String::with_capacity(32);
                write_utc(&mut buf, self.0, $micros).map_err(serde::ser::Error::custom)?;
                s.serialize_str(&buf)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("an RFC 3339 timestamp string")
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        v.parse().map_err(E::custom)
                    }
                }
                d.deserialize_str(V)
            }
        }
    };
}

/// An instant serialized as RFC 3339 in UTC with second precision (`metav1.Time`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Time(pub Timestamp);

time_type!(Time, false, "`YYYY-MM-DDTHH:MM:SSZ`");

/// An instant serialized as RFC 3339 in UTC with microsecond precision (`metav1.MicroTime`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MicroTime(pub Timestamp);

time_type!(MicroTime, true, "`YYYY-MM-DDTHH:MM:SS.ffffffZ`");

/// A signed span of time, serialized in Go's `time.Duration` syntax (`metav1.Duration`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Duration {
    nanos: i64,
}

const NS: u64 = 1;
const US: u64 = 1_000;
const MS: u64 = 1_000_000;
const SEC: u64 = 1_000_000_000;

impl Duration {
    /// A duration of `nanos` nanoseconds.
    pub const fn from_nanos(nanos: i64) -> Self {
        Self { nanos }
    }

    /// A duration of whole seconds (saturating).
    pub const fn from_secs(secs: i64) -> Self {
        Self {
            nanos: secs.saturating_mul(SEC as i64),
        }
    }

    /// Nanoseconds.
    pub const fn as_nanos(&self) -> i64 {
        self.nanos
    }

    /// The duration as a `std::time::Duration`, or `None` if negative.
    pub fn to_std(&self) -> Option<std::time::Duration> {
        u64::try_from(self.nanos)
            .ok()
            .map(std::time::Duration::from_nanos)
    }

    /// Converts a `std::time::Duration` (saturating at Go's maximum of ~292 years).
    pub fn from_std(d: std::time::Duration) -> Self {
        Self {
            nanos: i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        }
    }
}

fn dur_error(input: &str, position: usize, reason: impl Into<String>) -> Error {
    Error::InvalidDuration {
        input: input.to_owned(),
        position,
        reason: reason.into(),
    }
}

fn unit_nanos(u: &str) -> Option<u64> {
    Some(match u {
        "ns" => NS,
        "us" | "\u{b5}s" | "\u{3bc}s" => US,
        "ms" => MS,
        "s" => SEC,
        "m" => 60 * SEC,
        "h" => 3_600 * SEC,
        _ => return None,
    })
}

impl FromStr for Duration {
    type Err = Error;

    /// Parses Go's `time.ParseDuration` syntax: an optional sign, then one or more
    /// `<decimal><unit>` terms with units `ns`, `us` (`µs`), `ms`, `s`, `m`, `h`; `"0"` alone is
    /// accepted.
    fn from_str(input: &str) -> Result<Self, Error> {
        let b = input.as_bytes();
        let mut i = 0;
        let mut neg = false;
        if let Some(&c) = b.first()
            && (c == b'-' || c == b'+')
        {
            neg = c == b'-';
            i = 1;
        }
        if &input[i..] == "0" {
            return Ok(Self::default());
        }
        if i == b.len() {
            return Err(dur_error(input, i, "empty duration"));
        }
        let mut total: u64 = 0;
        let overflow = || dur_error(input, 0, "duration out of range");
        while i < b.len() {
            let start = i;
            if !(b[i] == b'.' || b[i].is_ascii_digit()) {
                return Err(dur_error(input, i, "expected a number"));
            }
            let mut whole: u64 = 0;
            while i < b.len() && b[i].is_ascii_digit() {
                whole = whole
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(u64::from(b[i] - b'0')))
                    .filter(|v| *v <= 1 << 63)
                    .ok_or_else(overflow)?;
                i += 1;
            }
            let pre = i != start;
            let (mut frac, mut scale, mut post) = (0u64, 1f64, false);
            if i < b.len() && b[i] == b'.' {
                i += 1;
                let fs = i;
                let mut saturated = false;
                while i < b.len() && b[i].is_ascii_digit() {
                    if !saturated {
                        match frac
                            .checked_mul(10)
                            .and_then(|v| v.checked_add(u64::from(b[i] - b'0')))
                        {
                            Some(v) if v <= 1 << 63 => {
                                frac = v;
                                scale *= 10.0;
                            }
                            _ => saturated = true,
                        }
                    }
                    i += 1;
                }
                post = i != fs;
            }
            if !pre && !post {
                return Err(dur_error(input, start, "expected digits"));
            }
            let us = i;
            while i < b.len() && b[i] != b'.' && !b[i].is_ascii_digit() {
                i += 1;
            }
            if us == i {
                return Err(dur_error(input, us, "missing unit"));
            }
            let unit = input.get(us..i).and_then(unit_nanos).ok_or_else(|| {
                dur_error(
                    input,
                    us,
                    format!("unknown unit {:?}", &input.get(us..i).unwrap_or("")),
                )
            })?;
            let mut v = whole
                .checked_mul(unit)
                .filter(|v| *v <= 1 << 63)
                .ok_or_else(overflow)?;
            if frac > 0 {
                // Same float arithmetic as Go for the fractional part.
                v = v
                    .checked_add((frac as f64 * (unit as f64 / scale)) as u64)
                    .filter(|v| *v <= 1 << 63)
                    .ok_or_else(overflow)?;
            }
            total = total
                .checked_add(v)
                .filter(|v| *v <= 1 << 63)
                .ok_or_else(overflow)?;
        }
        if neg {
            return Ok(Self {
                nanos: 0i64.wrapping_sub_unsigned(total),
            });
        }
        i64::try_from(total)
            .map(Self::from_nanos)
            .map_err(|_| overflow())
    }
}

/// Appends the fraction `v % 10^prec` (without trailing zeros, with a leading `.` when
/// non-zero) and returns `v / 10^prec`, like Go's `fmtFrac`.
fn frac(out: &mut String, v: u64, prec: u32) -> u64 {
    let pow = 10u64.pow(prec);
    let f = v % pow;
    if f != 0 {
        let digits = format!("{f:0width$}", width = prec as usize);
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    v / pow
}

impl fmt::Display for Duration {
    /// Writes Go's `time.Duration.String()` form, e.g. `1h2m3.5s`, `1.5ms`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.nanos < 0;
        let u = self.nanos.unsigned_abs();
        let mut s = String::new();
        if neg {
            s.push('-');
        }
        if u < SEC {
            if u == 0 {
                return f.write_str("0s");
            } else if u < US {
                write!(s, "{u}ns")?;
            } else if u < MS {
                let mut tail = String::new();
                let whole = frac(&mut tail, u, 3);
                write!(s, "{whole}{tail}\u{b5}s")?;
            } else {
                let mut tail = String::new();
                let whole = frac(&mut tail, u, 6);
                write!(s, "{whole}{tail}ms")?;
            }
            return f.write_str(&s);
        }
        let mut tail = String::new();
        let secs = frac(&mut tail, u, 9);
        let (h, m, sec) = (secs / 3600, (secs / 60) % 60, secs % 60);
        if h > 0 {
            write!(s, "{h}h{m}m")?;
        } else if secs >= 60 {
            write!(s, "{m}m")?;
        }
        write!(s, "{sec}{tail}s")?;
        f.write_str(&s)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_round_trip_and_formats() {
        let cases = [
            ("2024-05-01T12:00:00Z", "2024-05-01T12:00:00Z"),
            ("2024-05-01T14:00:00+02:00", "2024-05-01T12:00:00Z"),
            ("2024-05-01T12:00:00.999Z", "2024-05-01T12:00:00Z"),
            ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"),
            ("2000-02-29T23:59:59Z", "2000-02-29T23:59:59Z"),
            ("1999-12-31T19:00:00-05:00", "2000-01-01T00:00:00Z"),
        ];
        for (input, want) in cases {
            let t: Time = input.parse().unwrap();
            assert_eq!(t.to_string(), want, "{input}");
            let j = serde_json::to_string(&t).unwrap();
            assert_eq!(j, format!("\"{want}\""));
            let back: Time = serde_json::from_str(&j).unwrap();
            assert_eq!(back.to_string(), want);
        }
        // The fast path and jiff agree.
        let a = parse_utc_fast("2031-07-04T05:06:07.123Z").unwrap();
        let b: Timestamp = "2031-07-04T05:06:07.123Z".parse().unwrap();
        assert_eq!(a, b);
        for bad in [
            "",
            "2024-05-01",
            "2024-05-01T12:00:00",
            "2024-13-01T12:00:00Z",
            "2023-02-29T12:00:00Z",
            "not a time",
            "2024-05-01T25:00:00Z",
        ] {
            assert!(bad.parse::<Time>().is_err(), "{bad}");
        }
        let opt: Option<Time> = serde_json::from_str("null").unwrap();
        assert!(opt.is_none());
    }

    #[test]
    fn micro_time() {
        let m: MicroTime = "2024-05-01T12:00:00.123456789Z".parse().unwrap();
        assert_eq!(m.to_string(), "2024-05-01T12:00:00.123456Z");
        let m: MicroTime = "2024-05-01T12:00:00Z".parse().unwrap();
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            "\"2024-05-01T12:00:00.000000Z\""
        );
    }

    #[test]
    fn duration_parse_table() {
        // (input, nanoseconds), from Go's time.ParseDuration tests.
        let cases: &[(&str, i64)] = &[
            ("0", 0),
            ("5s", 5 * SEC as i64),
            ("30s", 30 * SEC as i64),
            ("1478s", 1478 * SEC as i64),
            ("-5s", -5 * SEC as i64),
            ("+5s", 5 * SEC as i64),
            ("-0", 0),
            ("+0", 0),
            ("5.0s", 5 * SEC as i64),
            ("5.6s", 5_600_000_000),
            ("5.s", 5 * SEC as i64),
            (".5s", 500_000_000),
            ("1.0s", SEC as i64),
            ("1.00s", SEC as i64),
            ("1.004s", 1_004_000_000),
            ("1.0040s", 1_004_000_000),
            ("100.00100s", 100_001_000_000),
            ("10ns", 10),
            ("11us", 11_000),
            ("12µs", 12_000),
            ("12μs", 12_000),
            ("13ms", 13_000_000),
            ("14s", 14 * SEC as i64),
            ("15m", 15 * 60 * SEC as i64),
            ("16h", 16 * 3600 * SEC as i64),
            ("3h30m", 12_600 * SEC as i64),
            ("10.5s4m", 250_500_000_000),
            ("-2m3.4s", -123_400_000_000),
            ("1h2m3s4ms5us6ns", 3_723_004_005_006),
            ("39h9m14.425s", 140_954_425_000_000),
            ("52763797000ns", 52_763_797_000),
            ("0.3333333333333333333h", 20 * 60 * SEC as i64),
            ("9007199254740993ns", 9_007_199_254_740_993),
            ("9223372036854775807ns", i64::MAX),
            ("9223372036854775.807us", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
            ("-9223372036.854775808s", i64::MIN),
            ("0.100000000000000000000h", 6 * 60 * SEC as i64),
        ];
        for (input, want) in cases {
            let d: Duration = input.parse().unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(d.as_nanos(), *want, "{input}");
        }
        for bad in [
            "",
            "3",
            "-",
            "s",
            ".",
            "-.",
            ".s",
            "+.s",
            "1d",
            "\u{85}\u{85}",
            "\u{FFFD}",
            "9223372036854775808ns",
            "9223372036854775.808us",
            "-9223372036854775809ns",
            "1h-1m",
        ] {
            assert!(bad.parse::<Duration>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn duration_string_table() {
        let cases: &[(&str, i64)] = &[
            ("0s", 0),
            ("1ns", 1),
            ("1.1µs", 1100),
            ("2.2ms", 2_200_000),
            ("3.3s", 3_300_000_000),
            ("4m5s", 245 * SEC as i64),
            ("4m5.001s", 245_001_000_000),
            ("5h6m7.001s", 18_367_001_000_000),
            ("8m0.000000001s", 480_000_000_001),
            ("2562047h47m16.854775807s", i64::MAX),
            ("-2562047h47m16.854775808s", i64::MIN),
            ("1h0m0s", 3600 * SEC as i64),
        ];
        for (want, nanos) in cases {
            assert_eq!(Duration::from_nanos(*nanos).to_string(), *want);
            let back: Duration = want.parse().unwrap();
            assert_eq!(back.as_nanos(), *nanos, "{want}");
        }
        let d: Duration = serde_json::from_str("\"1m30s\"").unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"1m30s\"");
    }
}
