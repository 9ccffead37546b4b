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
//! Parsing is Go's `time.Parse` with the type's layout (`time.RFC3339`, or `RFC3339Micro`
//! whose fraction has exactly six digits), its leniencies included (a `,` before the fraction,
//! a one-digit hour, offsets up to `±24:00`); Go's zero time `0001-01-01T00:00:00Z` is written
//! as `null`, as Go writes it.
//!
//! Instants are [`jiff::Timestamp`]s: an exact UTC instant with nanosecond resolution and no time
//! zone database needed. Difference from Go: jiff's range ends 26 hours before the end of year
//! 9999 (and begins a day after the start of year -9999); a timestamp beyond it is refused with
//! [`Error::TimeOutOfRange`], where Go accepts it.
//!
//! ```
//! use k8s_apimachinery::{Duration, MicroTime, Time};
//!
//! let t: Time = "2024-05-01T14:00:00+02:00".parse()?;
//! assert_eq!(t.to_string(), "2024-05-01T12:00:00Z");
//! assert_eq!(serde_json::to_string(&t).unwrap(), r#""2024-05-01T12:00:00Z""#);
//!
//! let m: MicroTime = "2024-05-01T12:00:00.500000Z".parse()?;
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

/// Go's `getnum`: one or two digits (`fixed`: exactly two), and the rest.
fn getnum(b: &[u8], fixed: bool) -> Option<(i64, &[u8])> {
    let d = |i: usize| {
        b.get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|c| i64::from(c - b'0'))
    };
    let first = d(0)?;
    match d(1) {
        Some(second) => Some((first * 10 + second, &b[2..])),
        None if fixed => None,
        None => Some((first, &b[1..])),
    }
}

/// Go's internal `atoi` on a fraction's digits (an optional sign, then at least one digit).
fn go_atoi(b: &[u8]) -> Option<i64> {
    let (neg, digits) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: i64 = 0;
    for &c in digits {
        v = v.checked_mul(10)?.checked_add(i64::from(c - b'0'))?;
    }
    Some(if neg { -v } else { v })
}

/// Go's `parseNanoseconds(value, nbytes)`: `value[0]` is `.` or `,`, then `nbytes - 1`
/// characters read by `atoi`, at most nine of them used.
fn parse_nanoseconds(value: &[u8], nbytes: usize) -> Option<i32> {
    if !matches!(value.first(), Some(b'.' | b',')) {
        return None;
    }
    let nbytes = nbytes.min(10);
    let ns = go_atoi(&value[1..nbytes])?;
    if ns < 0 {
        return None;
    }
    let ns = (nbytes..10).fold(ns, |ns, _| ns * 10);
    i32::try_from(ns).ok()
}

/// Parses a timestamp exactly as Go's `time.Parse` does with the layout `time.RFC3339`
/// (`micros`: `metav1.RFC3339Micro`, whose fraction has exactly six digits) — Go's general
/// parser, which its strict RFC 3339 fast path falls back to: a four-digit year, two-digit
/// month, day, minute and second, a one- or two-digit hour, a fraction after `.` or `,`
/// (any number of digits for `Time`, at most nine used), `Z` or `±hh:mm` (hours up to 24,
/// minutes up to 60); the date must exist.
fn parse_rfc3339(s: &str, micros: bool) -> Result<Timestamp, Error> {
    let bad = |what: &str| time_error(s, format!("not RFC 3339 as Go parses it: {what}"));
    let b = s.as_bytes();
    if b.len() < 4 || !b[..4].iter().all(u8::is_ascii_digit) {
        return Err(bad("expected a four-digit year"));
    }
    let year = b[..4]
        .iter()
        .fold(0i64, |y, c| y * 10 + i64::from(c - b'0'));
    let lit = |b: &'_ [u8], c: u8, what: &str| -> Result<usize, Error> {
        if b.first() == Some(&c) {
            Ok(1)
        } else {
            Err(bad(what))
        }
    };
    let mut rest = &b[4..];
    rest = &rest[lit(rest, b'-', "expected '-' after the year")?..];
    let (month, r) = getnum(rest, true).ok_or_else(|| bad("expected a two-digit month"))?;
    if !(1..=12).contains(&month) {
        return Err(bad("month out of range"));
    }
    rest = &r[lit(r, b'-', "expected '-' after the month")?..];
    let (day, r) = getnum(rest, true).ok_or_else(|| bad("expected a two-digit day"))?;
    rest = &r[lit(r, b'T', "expected 'T' after the date")?..];
    let (hour, r) = getnum(rest, false).ok_or_else(|| bad("expected an hour"))?;
    if hour >= 24 {
        return Err(bad("hour out of range"));
    }
    rest = &r[lit(r, b':', "expected ':' after the hour")?..];
    let (minute, r) = getnum(rest, true).ok_or_else(|| bad("expected two-digit minutes"))?;
    if minute >= 60 {
        return Err(bad("minute out of range"));
    }
    rest = &r[lit(r, b':', "expected ':' after the minutes")?..];
    let (second, r) = getnum(rest, true).ok_or_else(|| bad("expected two-digit seconds"))?;
    if second >= 60 {
        return Err(bad("second out of range"));
    }
    rest = r;
    let mut nanos = 0;
    if micros {
        if rest.len() < 7 {
            return Err(bad("expected a six-digit fraction of a second"));
        }
        nanos = parse_nanoseconds(rest, 7)
            .ok_or_else(|| bad("expected a six-digit fraction of a second"))?;
        rest = &rest[7..];
    } else if rest.len() >= 2 && matches!(rest[0], b'.' | b',') && rest[1].is_ascii_digit() {
        let n = 1 + rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        nanos = parse_nanoseconds(rest, n).ok_or_else(|| bad("bad fraction of a second"))?;
        rest = &rest[n..];
    }
    let offset = if rest.first() == Some(&b'Z') {
        rest = &rest[1..];
        0
    } else {
        if rest.len() < 6 || rest[3] != b':' {
            return Err(bad("expected 'Z' or a ±hh:mm offset"));
        }
        let (hh, _) = getnum(&rest[1..3], true).ok_or_else(|| bad("bad offset hours"))?;
        let (mm, _) = getnum(&rest[4..6], true).ok_or_else(|| bad("bad offset minutes"))?;
        if hh > 24 || mm > 60 {
            return Err(bad("offset out of range"));
        }
        let sign = match rest[0] {
            b'+' => 1,
            b'-' => -1,
            _ => return Err(bad("expected 'Z' or a ±hh:mm offset")),
        };
        rest = &rest[6..];
        sign * (hh * 60 + mm) * 60
    };
    if !rest.is_empty() {
        return Err(bad("extra text after the offset"));
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err(bad("day out of range"));
    }
    let secs =
        days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second - offset;
    Timestamp::new(secs, nanos).map_err(|_| Error::TimeOutOfRange {
        input: s.to_owned(),
    })
}

/// Go's zero `time.Time` (0001-01-01T00:00:00Z), which `metav1.Time` writes as `null`.
const GO_ZERO_SECONDS: i64 = -62_135_596_800;

fn is_go_zero(ts: Timestamp) -> bool {
    ts.as_second() == GO_ZERO_SECONDS && ts.subsec_nanosecond() == 0
}

fn write_utc(out: &mut impl fmt::Write, ts: Timestamp, micros: bool) -> fmt::Result {
    let dt = jiff::tz::Offset::UTC.to_datetime(ts);
    if dt.year() < 0 {
        // Go writes the sign, then four digits: -0001.
        out.write_char('-')?;
    }
    write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        dt.year().unsigned_abs(),
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

            /// Parses RFC 3339 as Go's `time.Parse` does with this type's layout.
            fn from_str(s: &str) -> Result<Self, Error> {
                parse_rfc3339(s, $micros).map(Self)
            }
        }

        impl Serialize for $name {
            /// Go's zero time (`0001-01-01T00:00:00Z`) is written as `null`, as Go writes it.
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                if is_go_zero(self.0) {
                    return s.serialize_unit();
                }
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
        // Our parser and jiff's agree on what both accept.
        let a: Time = "2031-07-04T05:06:07.123-03:30".parse().unwrap();
        let b: Timestamp = "2031-07-04T05:06:07.123-03:30".parse().unwrap();
        assert_eq!(a.0, b);
        // Go's general parser: a comma, a one-digit hour, many fraction digits, offsets up to
        // 24:00, a year before 1.
        for (input, want) in [
            ("2024-05-01T12:00:00,5Z", "2024-05-01T12:00:00Z"),
            ("2024-05-01T1:00:00Z", "2024-05-01T01:00:00Z"),
            ("2024-05-01T12:00:00.1234567890123Z", "2024-05-01T12:00:00Z"),
            ("2024-05-01T12:00:00+24:00", "2024-04-30T12:00:00Z"),
            ("0000-01-01T00:00:00+01:00", "-0001-12-31T23:00:00Z"),
        ] {
            assert_eq!(input.parse::<Time>().unwrap().to_string(), want, "{input}");
        }
        // Go's zero time is written as null.
        let zero: Time = "0001-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(serde_json::to_string(&zero).unwrap(), "null");
        for bad in [
            "2024-05-01T12:00:60Z",
            "2024-05-01t12:00:00Z",
            "2024-05-01T12:00:00z",
            "2024-05-01T12:00:00.Z",
            "2024-05-01T12:00:00+25:00",
            "2024-05-01T12:00:00+0100",
            "2024-05-01T12:00:00Z ",
            "10000-01-01T00:00:00Z",
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
        // Valid, but beyond jiff's range: a typed error.
        assert!(matches!(
            "9999-12-31T23:00:00Z".parse::<Time>(),
            Err(Error::TimeOutOfRange { .. })
        ));
        let opt: Option<Time> = serde_json::from_str("null").unwrap();
        assert!(opt.is_none());
    }

    #[test]
    fn micro_time() {
        // Exactly six fraction digits, as Go's RFC3339Micro layout requires.
        for bad in [
            "2024-05-01T12:00:00.123456789Z",
            "2024-05-01T12:00:00Z",
            "2024-05-01T12:00:00.5Z",
        ] {
            assert!(bad.parse::<MicroTime>().is_err(), "{bad}");
        }
        let m: MicroTime = "2024-05-01T12:00:00,123456+01:00".parse().unwrap();
        assert_eq!(m.to_string(), "2024-05-01T11:00:00.123456Z");
        let m: MicroTime = "2024-05-01T12:00:00.000000Z".parse().unwrap();
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
