//! The moderators' dashboard: its time windows and hourly series.

use chrono::{DateTime, DurationRound, NaiveDateTime, TimeDelta, Utc};

use super::invalid::Invalid;

/// The window of "new" comments and reports when none is asked for, in hours.
pub const DEFAULT_HOURS: i64 = 24;
/// The longest window, in hours (a week).
pub const MAX_HOURS: i64 = 168;
/// Articles listed per ranking when no `top` is asked for.
pub const DEFAULT_TOP: i64 = 10;
/// Most articles per ranking.
pub const MAX_TOP: i64 = 50;
/// Hours in the hourly series (the last day, the current hour last).
pub const SERIES_HOURS: i64 = 24;

/// Checks `hours` (1–168, default 24).
pub fn hours(raw: Option<i64>) -> Result<i64, Invalid> {
    bounded("hours", raw, DEFAULT_HOURS, MAX_HOURS)
}

/// Checks `top` (1–50, default 10).
pub fn top(raw: Option<i64>) -> Result<i64, Invalid> {
    bounded("top", raw, DEFAULT_TOP, MAX_TOP)
}

fn bounded(field: &'static str, raw: Option<i64>, default: i64, max: i64) -> Result<i64, Invalid> {
    match raw {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(Invalid::new(field, format!("must be between 1 and {max}"))),
    }
}

/// The start of the hour `t` falls in.
pub fn hour_of(t: DateTime<Utc>) -> NaiveDateTime {
    t.duration_trunc(TimeDelta::hours(1))
        .unwrap_or(t)
        .naive_utc()
}

/// The start of the hourly series at `now`: `SERIES_HOURS - 1` hours before the
/// current hour began.
pub fn series_start(now: DateTime<Utc>) -> NaiveDateTime {
    hour_of(now) - TimeDelta::hours(SERIES_HOURS - 1)
}

/// The hourly series from `start`: every hour, with the count the database gave for
/// it or 0 (hours outside the series are ignored).
pub fn series(start: NaiveDateTime, counted: &[(NaiveDateTime, i64)]) -> Vec<(NaiveDateTime, i64)> {
    (0..SERIES_HOURS)
        .map(|h| {
            let hour = start + TimeDelta::hours(h);
            let n = counted
                .iter()
                .filter(|(at, _)| *at == hour)
                .map(|(_, n)| *n)
                .sum();
            (hour, n)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn windows_are_bounded() {
        assert_eq!(hours(None), Ok(24));
        assert_eq!(hours(Some(168)), Ok(168));
        assert_eq!(top(Some(1)), Ok(1));
        for bad in [0, -1, 169] {
            assert_eq!(hours(Some(bad)).unwrap_err().field, "hours");
        }
        assert_eq!(
            top(Some(51)).unwrap_err(),
            Invalid::new("top", "must be between 1 and 50")
        );
    }

    #[test]
    fn the_series_has_every_hour_of_the_last_day_with_the_current_one_last() {
        let now = t("2026-12-01 21:40:24").and_utc();
        let start = series_start(now);
        assert_eq!(start, t("2026-11-30 22:00:00"));
        let counted = [
            (t("2026-12-01 21:00:00"), 3),
            (t("2026-11-30 22:00:00"), 1),
            (t("2026-11-30 21:00:00"), 9),
        ];
        let series = series(start, &counted);
        assert_eq!(series.len(), 24);
        assert_eq!(series[0], (t("2026-11-30 22:00:00"), 1));
        assert_eq!(series[23], (t("2026-12-01 21:00:00"), 3));
        assert_eq!(series.iter().map(|(_, n)| n).sum::<i64>(), 4);
    }
}
