//! The suggestion rules: what Wardline suggests the checker decide, from what was seen and
//! what it knows. The checker decides; a decision other than the suggestion is recorded as an
//! override.
//!
//! - a temperature of 37.3 °C or more: refer to medical care (`fever`);
//! - a red health code, or a positive result (or a pooled positive awaiting re-test): refer to
//!   quarantine (`red_code`, `positive`);
//! - a resident of a sealed zone: persuade to return (`sealed`: nobody leaves home); of a
//!   controlled zone going out: persuade to return (`controlled_out`: nobody leaves the area);
//! - where the checkpoint requires a test, a resident without a valid negative: persuade to
//!   return (`no_test`);
//! - a yellow code and an itinerary card with a star are shown as cautions (`yellow_code`,
//!   `star`) without changing the suggestion.
//!
//! The gravest suggestion wins: medical care, then quarantine, then return, then pass.

/// What the rules look at.
#[derive(Debug, Clone, Default)]
pub struct Checks<'a> {
    pub health_code: &'a str,
    pub star: bool,
    pub temp_dc: Option<i64>,
    /// negative, none, positive, n/a.
    pub test: &'a str,
    /// sealed, controlled, precaution or "".
    pub zone: &'a str,
    pub direction: &'a str,
    pub require_test: bool,
}

/// The temperature band of a reading (tenths of a degree): normal < 37.3, low 37.3–37.9,
/// mid 38.0–38.9, high ≥ 39.0.
pub fn temp_band(dc: i64) -> &'static str {
    match dc {
        ..=372 => "normal",
        373..=379 => "low",
        380..=389 => "mid",
        _ => "high",
    }
}

fn gravity(d: &str) -> u8 {
    match d {
        "medical" => 3,
        "quarantine" => 2,
        "return" => 1,
        _ => 0,
    }
}

/// The suggestion and the reasons (the rules that fired, cautions last).
pub fn suggest(c: &Checks) -> (&'static str, Vec<&'static str>) {
    let mut s = "pass";
    let mut reasons = Vec::new();
    let mut fire = |d: &'static str, why: &'static str, reasons: &mut Vec<&'static str>| {
        reasons.push(why);
        if gravity(d) > gravity(s) {
            s = d;
        }
    };
    if c.temp_dc.is_some_and(|t| temp_band(t) != "normal") {
        fire("medical", "fever", &mut reasons);
    }
    if c.health_code == "red" {
        fire("quarantine", "red_code", &mut reasons);
    }
    if c.test == "positive" {
        fire("quarantine", "positive", &mut reasons);
    }
    if c.zone == "sealed" {
        fire("return", "sealed", &mut reasons);
    }
    if c.zone == "controlled" && c.direction == "out" {
        fire("return", "controlled_out", &mut reasons);
    }
    if c.require_test && c.test == "none" {
        fire("return", "no_test", &mut reasons);
    }
    if c.health_code == "yellow" {
        reasons.push("yellow_code");
    }
    if c.star {
        reasons.push("star");
    }
    (s, reasons)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fine() -> Checks<'static> {
        Checks {
            health_code: "green",
            star: false,
            temp_dc: Some(365),
            test: "negative",
            zone: "",
            direction: "in",
            require_test: false,
        }
    }

    #[test]
    fn bands() {
        assert_eq!(temp_band(372), "normal");
        assert_eq!(temp_band(373), "low");
        assert_eq!(temp_band(379), "low");
        assert_eq!(temp_band(380), "mid");
        assert_eq!(temp_band(389), "mid");
        assert_eq!(temp_band(390), "high");
    }

    #[test]
    fn rules() {
        assert_eq!(suggest(&fine()), ("pass", vec![]));
        let c = Checks {
            health_code: "red",
            ..fine()
        };
        assert_eq!(suggest(&c), ("quarantine", vec!["red_code"]));
        let c = Checks {
            temp_dc: Some(381),
            zone: "sealed",
            ..fine()
        };
        assert_eq!(suggest(&c), ("medical", vec!["fever", "sealed"]));
        let c = Checks {
            zone: "controlled",
            direction: "out",
            ..fine()
        };
        assert_eq!(suggest(&c).0, "return");
        let c = Checks {
            zone: "controlled",
            direction: "in",
            ..fine()
        };
        assert_eq!(suggest(&c).0, "pass");
        let c = Checks {
            test: "none",
            require_test: true,
            ..fine()
        };
        assert_eq!(suggest(&c), ("return", vec!["no_test"]));
        let c = Checks {
            health_code: "yellow",
            star: true,
            ..fine()
        };
        assert_eq!(suggest(&c), ("pass", vec!["yellow_code", "star"]));
        let c = Checks {
            test: "positive",
            ..fine()
        };
        assert_eq!(suggest(&c).0, "quarantine");
    }
}
